package org.gemsj.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.global.torch;

/** Prints the optimizer benchmark as a table and writes it as JSON {"shapes": [...], "meta": {...}}. */
public final class BenchmarkReport {
  private BenchmarkReport() {}

  public static void print(List<OptimizerBenchmark.Row> rows, PrintStream out) {
    out.printf("%-11s %5s %9s %11s %9s %9s %8s %8s %10s %10s %8s %9s %9s %10s%n", "shape", "reps", "fused_ms",
        "composed_ms", "speedup", "floor_ms", "x_floor", "adamw_ms", "svd_exact", "svd_rand", "energy", "refr_ref",
        "refr_comp", "state_kb");
    for (OptimizerBenchmark.Row r : rows) {
      out.printf("%-11s %5d %9.3f %11.3f %8.2fx %9.3f %7.2fx %8.3f %10.1f %10.1f %8.4f %9.1f %9.1f %5d/%-5d%n",
          r.m() + "x" + r.n(), r.reps(), r.fused_ms(), r.composed_ms(), r.composed_ms() / r.fused_ms(),
          r.gemm_floor_ms(), r.fused_ms() / r.gemm_floor_ms(), r.adamw_ms(), r.svd_exact_ms(),
          r.svd_randomized_ms(), r.energy_randomized(), r.refresh_reference_ms(), r.refresh_complementary_ms(),
          r.state_bytes_gems() / 1024, r.state_bytes_adamw() / 1024);
    }
    out.println("speedup = composed/fused; x_floor = fused/floor; energy = randomized/exact top-r energy;"
        + " refr_ref / refr_comp = ms of one GEMS refresh (3 bases + moments) with the reference / complementary"
        + " decomposition; state_kb = GEMS/AdamW optimizer state");
  }

  public static void writeJson(List<OptimizerBenchmark.Row> rows, Path file) throws IOException {
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("date", Instant.now().toString());
    meta.put("threads", torch.get_num_threads());
    meta.put("processors", Runtime.getRuntime().availableProcessors());
    meta.put("os_arch", System.getProperty("os.arch"));
    meta.put("java", System.getProperty("java.version"));
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("shapes", rows);
    doc.put("meta", meta);
    Path abs = file.toAbsolutePath();
    Files.createDirectories(abs.getParent());
    Path tmp = Files.createTempFile(abs.getParent(), abs.getFileName().toString(), ".tmp");
    try {
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(tmp.toFile(), doc);
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
