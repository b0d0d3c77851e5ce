package org.gemsj.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.nativeops.BasisRefresh;
import org.gemsj.nativeops.FusedStep;
import org.gemsj.nativeops.NativeLibrary;
import org.gemsj.optim.Decomposition;
import org.gemsj.optim.GemsConfig;
import org.gemsj.optim.GemsOptimizer;
import org.gemsj.optim.TaskBatch;
import org.gemsj.torch.Tensors;

/**
 * Times one optimizer step per weight shape, all variants side by side in one run (the
 * machine is shared and noisy): the fused native step, the same step composed of libtorch
 * calls, libtorch's AdamW, and the floor (the step's GEMMs alone); exact and randomized basis
 * refresh with the randomized one's captured share of the exact top-r energy; a whole GEMS
 * refresh (three bases and the moments) by decomposition; state bytes.
 */
public final class OptimizerBenchmark {
  /** One shape's figures; field names are the JSON keys. */
  public record Row(long m, long n, long rank_shared, long rank_task, int reps, double fused_ms,
      double composed_ms, double adamw_ms, double gemm_floor_ms, double svd_exact_ms,
      double svd_randomized_ms, double energy_randomized, double refresh_reference_ms,
      double refresh_complementary_ms, long state_bytes_gems, long state_bytes_adamw) {}

  private final long rankShared;
  private final long rankTask;
  private final double secondsPerShape;
  private final Consumer<String> log;

  public OptimizerBenchmark(long rankShared, long rankTask, double secondsPerShape, Consumer<String> log) {
    this.rankShared = rankShared;
    this.rankTask = rankTask;
    this.secondsPerShape = secondsPerShape;
    this.log = log;
    NativeLibrary.load();
  }

  public List<Row> run(List<long[]> shapes) {
    List<Row> rows = new ArrayList<>();
    for (long[] s : shapes) {
      log.accept("shape " + s[0] + "x" + s[1] + " ...");
      try (PointerScope scope = new PointerScope()) {
        rows.add(measure(s[0], s[1]));
      }
    }
    return rows;
  }

  /** A gradient-like matrix: singular values decaying as 1/(i+1), like real weight gradients. */
  static Tensor gradientLike(long m, long n) {
    long k = Math.min(m, n);
    Tensor x = torch.randn(m, k).div(new Scalar(Math.sqrt(m)));
    Tensor y = torch.randn(k, n).div(new Scalar(Math.sqrt(n)));
    Tensor s = torch.arange(new Scalar(k)).to(torch.ScalarType.Float).add(new Scalar(1)).reciprocal();
    return x.mul(s).mm(y).contiguous();
  }

  private static Tensor orthonormal(long rows, long cols) {
    return torch.linalg_qr(torch.randn(rows, cols)).get0().contiguous();
  }

  /** One orthonormal block per subspace, concatenated as the op expects (rows if m >= n). */
  private static Tensor concatenatedBasis(long m, long n, long[] ranks) {
    TensorVector blocks = new TensorVector();
    for (long r : ranks) {
      if (r > 0) {
        blocks.push_back(m >= n ? orthonormal(n, r).t().contiguous() : orthonormal(m, r));
      }
    }
    return torch.cat(blocks, m >= n ? 0 : 1).contiguous();
  }

  private Row measure(long m, long n) {
    torch.manual_seed(m * 31 + n);
    long full = Math.min(m, n);
    long rSh = Math.min(rankShared, full), rT = Math.min(rankTask, full);
    long total = rSh + 2 * rT, longSide = Math.max(m, n);
    boolean right = m >= n;
    Tensor w = torch.randn(m, n).mul(new Scalar(0.02));
    Tensor gs = gradientLike(m, n), gr = gradientLike(m, n);
    Tensor basis = concatenatedBasis(m, n, new long[] {rSh, rT, rT});
    Tensor[] fusedState = {torch.zeros(total, longSide), torch.rand(total, longSide)};
    Tensor[] composedState = {fusedState[0].clone(), fusedState[1].clone()};
    Tensor wComposed = w.clone();
    FusedStep.Hyper hyper = FusedStep.Hyper.defaults(1e-4);
    FusedStep.Task search = new FusedStep.Task(gs, 20, 0.5), rec = new FusedStep.Task(gr, 12, 0.5);

    Tensor adamParam = w.clone();
    adamParam.mutable_grad().put(gs.clone());
    AdamW adamw = new AdamW(new TensorVector(adamParam), new AdamWOptions(1e-4));

    // The floor: the step's own GEMMs (three projections, one back-projection) and nothing else.
    Tensor wFloor = w.clone(), dirs = torch.randn(total, longSide);
    Tensor gsh = gs.mul(new Scalar(0.5)).add(gr.mul(new Scalar(0.5)));
    Tensor[] grads = {gsh, gs, gr};
    long[] offsets = {0, rSh, rSh + rT}, ranks = {rSh, rT, rT};
    Runnable floor = () -> {
      try (PointerScope inner = new PointerScope()) {
        for (int i = 0; i < 3; i++) {
          if (right) {
            basis.narrow(0, offsets[i], ranks[i]).mm(grads[i].t());
          } else {
            basis.narrow(1, offsets[i], ranks[i]).t().mm(grads[i]);
          }
        }
        if (right) {
          wFloor.addmm_(dirs.t(), basis, new Scalar(1.0), new Scalar(-1e-4));
        } else {
          wFloor.addmm_(basis, dirs, new Scalar(1.0), new Scalar(-1e-4));
        }
      }
    };
    long[] step = {0};
    Runnable fused = () -> FusedStep.apply(w, search, rec, basis, rSh, rT, fusedState[0], fusedState[1], ++step[0], hyper, null);
    Runnable composed = () -> ComposedStep.apply(wComposed, search, rec, basis, rSh, rT, composedState[0],
        composedState[1], step[0], hyper, null);
    Runnable adam = () -> {
      try (PointerScope inner = new PointerScope()) {
        adamw.step();
      }
    };
    Runnable[] variants = {fused, composed, adam, floor};
    double[][] times = interleaved(variants);

    BasisRefresh.Options options = BasisRefresh.Options.defaults(7);
    Tensor out = Tensors.empty(BasisRefresh.basisShape(m, n, rSh), null);
    double[] energies = new double[2];
    double[][] svd = interleaved(new Runnable[] {
        () -> energies[0] = BasisRefresh.refresh(gsh, rSh, BasisRefresh.Method.EXACT, options, out),
        () -> energies[1] = BasisRefresh.refresh(gsh, rSh, BasisRefresh.Method.RANDOMIZED, options, out)});

    // A whole GEMS refresh of this weight (shared and both task bases, moments carried over), as
    // training runs it (AUTO: randomized on large weights), by decomposition.
    double[][] refreshes = interleaved(new Runnable[] {refresher(w, gs, gr, Decomposition.REFERENCE),
        refresher(w, gs, gr, Decomposition.COMPLEMENTARY)});

    long stateGems = 4 * (basis.numel() + 2 * total * longSide);
    long stateAdamw = 4 * 2 * m * n;
    return new Row(m, n, rSh, rT, times[0].length, median(times[0]), median(times[1]), median(times[2]),
        median(times[3]), median(svd[0]), median(svd[1]), energies[1] / energies[0], median(refreshes[0]),
        median(refreshes[1]), stateGems, stateAdamw);
  }

  private Runnable refresher(Tensor w, Tensor gs, Tensor gr, Decomposition decomposition) {
    GemsConfig config = GemsConfig.builder().rankShared((int) rankShared).rankTask((int) rankTask)
        .decomposition(decomposition).build();
    GemsOptimizer opt = new GemsOptimizer(config, List.of(new GemsOptimizer.Param("w", w.clone())), List.of());
    TaskBatch search = new TaskBatch(Map.of("w", gs), 20, 1.0), rec = new TaskBatch(Map.of("w", gr), 12, 1.0);
    return () -> opt.refreshBases(search, rec);
  }

  /** Runs the variants in turn (one warm-up each), repeating the round until the time budget. */
  private double[][] interleaved(Runnable[] variants) {
    for (Runnable r : variants) {
      r.run();
    }
    List<double[]> rounds = new ArrayList<>();
    long deadline = System.nanoTime() + (long) (secondsPerShape * 1e9);
    do {
      double[] round = new double[variants.length];
      for (int i = 0; i < variants.length; i++) {
        long t0 = System.nanoTime();
        variants[i].run();
        round[i] = (System.nanoTime() - t0) / 1e6;
      }
      rounds.add(round);
    } while ((rounds.size() < 3 || System.nanoTime() < deadline) && rounds.size() < 50);
    double[][] out = new double[variants.length][rounds.size()];
    for (int r = 0; r < rounds.size(); r++) {
      for (int i = 0; i < variants.length; i++) {
        out[i][r] = rounds.get(r)[i];
      }
    }
    return out;
  }

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }
}
