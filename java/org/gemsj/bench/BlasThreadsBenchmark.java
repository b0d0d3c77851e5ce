package org.gemsj.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.io.AtomicFiles;
import org.gemsj.nativeops.BasisRefresh;
import org.gemsj.nativeops.BlasThreads;
import org.gemsj.nativeops.NativeLibrary;

/**
 * Why GEMS-J runs OpenBLAS on one thread ({@link BlasThreads}): the same exact basis refresh (a 1536 x 384
 * gradient, rank 128, MiniLM's FFN shape) and a training-sized GEMM, with OpenBLAS on 1 thread and
 * on one per core, alternating in rounds so that the machine's load drifts over both alike.
 */
public final class BlasThreadsBenchmark {
  /** One measurement: median milliseconds of the GEMM and of one refresh at a thread count. */
  public record Row(int round, int threads, double gemmMs, double refreshMs, double loadAverage) {}

  private BlasThreadsBenchmark() {}

  public static List<Row> run(int rounds, int cores) {
    NativeLibrary.load();
    List<Row> rows = new ArrayList<>();
    try (PointerScope scope = new PointerScope()) {
      torch.manual_seed(3);
      Tensor x = torch.randn(512, 384), w = torch.randn(1536, 384);
      Tensor basis = torch.zeros(BasisRefresh.basisShape(1536, 384, 128));
      for (int round = 1; round <= rounds; round++) {
        for (int threads : new int[] {1, cores}) {
          BlasThreads.set(threads);
          double[] gemm = new double[9], refresh = new double[3];
          for (int i = 0; i < gemm.length; i++) {
            long t = System.nanoTime();
            torch.matmul(x, w.t()).close();
            gemm[i] = (System.nanoTime() - t) / 1e6;
          }
          for (int i = 0; i < refresh.length; i++) {
            long t = System.nanoTime();
            BasisRefresh.refresh(w, 128, BasisRefresh.Method.EXACT, BasisRefresh.Options.defaults(1), basis);
            refresh[i] = (System.nanoTime() - t) / 1e6;
          }
          rows.add(new Row(round, threads, OptimizerBenchmark.median(gemm), OptimizerBenchmark.median(refresh),
              ServeBenchmark.loadAverage()));
        }
      }
    } finally {
      BlasThreads.apply();
    }
    return rows;
  }

  public static void print(List<Row> rows, PrintStream out) {
    out.printf("%-6s %-8s %-22s %-22s %s%n", "round", "threads", "GEMM 512x384x1536 ms", "refresh 1536x384 r128 ms",
        "load avg");
    for (Row r : rows) {
      out.printf("%-6d %-8d %-22.2f %-22.1f %.2f%n", r.round(), r.threads(), r.gemmMs(), r.refreshMs(), r.loadAverage());
    }
  }

  public static void writeJson(List<Row> rows, Path file) throws IOException {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("benchmark", "blas-threads");
    doc.put("cores", Runtime.getRuntime().availableProcessors());
    doc.put("rows", rows);
    AtomicFiles.write(file, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(doc));
  }
}
