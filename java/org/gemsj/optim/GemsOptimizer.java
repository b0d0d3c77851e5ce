package org.gemsj.optim;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.gemsj.nativeops.FusedStep;
import org.gemsj.torch.Tensors;

/**
 * The GEMS optimizer. Targeted 2-D weights (attention q/k/v/o, feed-forward) get the fused
 * multi-subspace step; every other parameter gets AdamW. The same class runs GALORE (one
 * shared subspace) and ADAMW (full fine-tuning), so the baselines share one code path.
 *
 * <p>Each step takes the two task batches' gradients, i.e. two backward passes; the shared
 * gradient is their sample-weighted mean (no third pass). Parameters are updated in place,
 * under no-grad, and every temporary tensor of a step is released when the step returns.
 */
public final class GemsOptimizer {
  /** A named parameter tensor (the order of parameters is part of the state). */
  public record Param(String name, Tensor tensor) {}

  /** What one step did. {@code lowestEnergy} is NaN when no basis was refreshed. */
  public record StepReport(long step, double lr, double gateSearch, double gateRec, boolean refreshed, double lowestEnergy) {}

  private final GemsConfig config;
  private final List<SubspaceState> subspaces = new ArrayList<>();
  private final List<AdamWState> adamw = new ArrayList<>();
  private final Map<String, SubspaceState> byName = new LinkedHashMap<>();
  private long step;

  public GemsOptimizer(GemsConfig config, List<Param> targeted, List<Param> others) {
    this.config = config;
    for (Param p : targeted) {
      if (p.tensor().dim() != 2) {
        throw new IllegalArgumentException("targeted parameter '" + p.name() + "' must be 2-D, got " + Tensors.describe(p.tensor()));
      }
      if (config.method() == Method.ADAMW) {
        adamw.add(new AdamWState(p.name(), p.tensor()));
      } else {
        long rankTask = config.method() == Method.GALORE ? 0 : config.rankTask();
        SubspaceState s = new SubspaceState(p.name(), p.tensor(), config.rankShared(), rankTask);
        subspaces.add(s);
        byName.put(p.name(), s);
      }
    }
    for (Param p : others) {
      adamw.add(new AdamWState(p.name(), p.tensor()));
    }
  }

  public GemsConfig config() {
    return config;
  }

  /** Steps taken so far. */
  public long stepCount() {
    return step;
  }

  /** The protected output directions K (m x k, orthonormal columns) of a targeted weight. */
  public void setNullBasis(String name, Tensor k) {
    SubspaceState s = byName.get(name);
    if (s == null) {
      throw new IllegalArgumentException("'" + name + "' is not a targeted parameter of this optimizer");
    }
    if (k.dim() != 2 || k.size(0) != s.m) {
      throw new IllegalArgumentException("null basis of '" + name + "' must be " + s.m + " x k, got " + Tensors.describe(k));
    }
    s.nullBasis = k.contiguous().clone();
  }

  /** Bytes of optimizer state (bases, moments, null bases, AdamW moments). */
  public long stateBytes() {
    long bytes = 0;
    for (SubspaceState s : subspaces) {
      bytes += s.stateBytes() + (s.nullBasis == null ? 0 : 4 * s.nullBasis.numel());
    }
    for (AdamWState a : adamw) {
      bytes += a.stateBytes();
    }
    return bytes;
  }

  public StepReport step(TaskBatch search, TaskBatch rec) {
    if (search.count() + rec.count() == 0) {
      throw new IllegalArgumentException("a step needs at least one sample (both task batches are empty)");
    }
    double searchNorm = checkGradients(search), recNorm = checkGradients(rec);
    if (config.nullSpace()) {
      for (SubspaceState s : subspaces) {
        if (s.nullBasis == null) {
          throw new IllegalStateException("null space is on but '" + s.name + "' has no null basis (call setNullBasis)");
        }
      }
    }
    try (NoGradGuard noGrad = new NoGradGuard(); PointerScope scope = new PointerScope()) {
      long t = step + 1;
      double lr = config.schedule().at(t);
      double[] gates = config.method() == Method.GEMS
          ? config.gating().gates(signal(search, searchNorm), signal(rec, recNorm))
          : new double[] {0, 0};
      boolean refresh = (t - 1) % config.refreshInterval() == 0;
      double lowest = Double.NaN;
      FusedStep.Hyper hyper = new FusedStep.Hyper(lr, config.beta1(), config.beta2(), config.eps(),
          config.alpha(), config.weightDecay());
      for (int i = 0; i < subspaces.size(); i++) {
        SubspaceState s = subspaces.get(i);
        Tensor gs = search.grad(s.name), gr = rec.grad(s.name);
        if (refresh) {
          Tensor shared = shared(gs, search.count(), gr, rec.count());
          long seed = config.seed() * 1_000_003L + i * 7919L + s.refreshes;
          double e = s.refresh(new Tensor[] {shared, gs, gr}, config.basisMethod(), config.momentPolicy(), seed);
          lowest = Double.isNaN(lowest) ? e : Math.min(lowest, e);
        }
        s.step(new FusedStep.Task(gs, search.count(), gates[0]), new FusedStep.Task(gr, rec.count(), gates[1]), t, hyper);
      }
      for (AdamWState a : adamw) {
        Tensor g = shared(search.grad(a.name), search.count(), rec.grad(a.name), rec.count());
        a.step(g, t, lr, config);
      }
      step = t;
      return new StepReport(t, lr, gates[0], gates[1], refresh && !subspaces.isEmpty(), lowest);
    }
  }

  /**
   * Checks, before anything is updated, that every parameter has a finite gradient of its own
   * shape; returns the norm of the task's gradient over the targeted weights (for the gates).
   */
  private double checkGradients(TaskBatch batch) {
    if (batch.count() == 0) {
      return 0;
    }
    double targetedSquared = 0;
    List<Param> all = new ArrayList<>();
    subspaces.forEach(s -> all.add(new Param(s.name, s.weight)));
    adamw.forEach(a -> all.add(new Param(a.name, a.param)));
    for (int i = 0; i < all.size(); i++) {
      Param p = all.get(i);
      Tensor g = batch.grad(p.name());
      if (!java.util.Arrays.equals(Tensors.shape(g), Tensors.shape(p.tensor()))
          || g.scalar_type().value != p.tensor().scalar_type().value || !deviceOf(g).equals(deviceOf(p.tensor()))) {
        throw new IllegalArgumentException("gradient of '" + p.name() + "' is " + Tensors.describe(g)
            + " on " + deviceOf(g) + ", the parameter is " + Tensors.describe(p.tensor()) + " on " + deviceOf(p.tensor()));
      }
      double norm = Tensors.norm(g);
      if (!Double.isFinite(norm)) {
        throw new IllegalArgumentException("gradient of '" + p.name() + "' " + Tensors.describe(g)
            + " contains NaN or Inf; nothing was updated");
      }
      if (i < subspaces.size()) {
        targetedSquared += norm * norm;
      }
    }
    return Math.sqrt(targetedSquared);
  }

  private static String deviceOf(Tensor t) {
    return t.device().str().getString();
  }

  private static Gating.TaskSignal signal(TaskBatch b, double gradNorm) {
    return new Gating.TaskSignal(b.loss(), gradNorm, b.count());
  }

  /** The sample-weighted mean of the task gradients (either may be absent). */
  private static Tensor shared(Tensor gs, long ns, Tensor gr, long nr) {
    if (gr == null) {
      return gs;
    }
    if (gs == null) {
      return gr;
    }
    double total = ns + nr;
    return gs.mul(new Scalar(ns / total)).add_(gr, new Scalar(nr / total));
  }

  /** Writes the optimizer state atomically (temp file, fsync, rename). */
  public void save(Path file) throws IOException {
    OptimizerCheckpoint.write(file, this);
  }

  /** Restores state saved by an optimizer of the same config and parameters. */
  public void load(Path file) throws IOException {
    OptimizerCheckpoint.read(file, this);
  }

  // Package-private access for OptimizerCheckpoint.
  List<SubspaceState> subspaces() {
    return Collections.unmodifiableList(subspaces);
  }

  List<AdamWState> adamwStates() {
    return Collections.unmodifiableList(adamw);
  }

  void restoreStep(long value) {
    step = value;
  }
}
