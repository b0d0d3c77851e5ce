package org.gemsj.optim;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
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
 *
 * <p>A step checks all its inputs before it changes anything: a rejected step leaves weights
 * and state as they were. The optimizer's state tensors are kept out of any PointerScope the
 * caller has open. Not thread-safe: confine an optimizer (step, save, load) to one thread.
 */
public final class GemsOptimizer {
  /** A named parameter tensor (the order of parameters is part of the state). */
  public record Param(String name, Tensor tensor) {}

  /**
   * What one step did. {@code gateSearch} / {@code gateRec}: the gates, their mean over the
   * targeted weights when each weight has its own (running gates), with the search gate's range
   * over the weights ({@code gateSearchMin}, {@code gateSearchMax}) and the reference formula's
   * search gate for this batch ({@code referenceGateSearch}, the same as gateSearch without running
   * gates). {@code lowestEnergy} is NaN when no basis was refreshed.
   */
  public record StepReport(long step, double lr, double gateSearch, double gateRec, boolean refreshed, double lowestEnergy,
      double gateSearchMin, double gateSearchMax, double referenceGateSearch) {
    public StepReport(long step, double lr, double gateSearch, double gateRec, boolean refreshed, double lowestEnergy) {
      this(step, lr, gateSearch, gateRec, refreshed, lowestEnergy, gateSearch, gateSearch, gateSearch);
    }
  }

  private final GemsConfig config;
  private final List<SubspaceState> subspaces = new ArrayList<>();
  private final List<AdamWState> adamw = new ArrayList<>();
  private final Map<String, SubspaceState> byName = new LinkedHashMap<>();
  /** Bias name -> the targeted weight whose outputs it shifts ("x.bias" beside "x.weight", length m). */
  private final Map<String, SubspaceState> biasOwners = new LinkedHashMap<>();
  private final List<Param> params = new ArrayList<>(); // targeted first, then the others
  private final int targetedCount;
  /** Running gate state (GEMS with running gates), else null. */
  private final RunningGates runningGates;
  /** Each targeted weight's gates in the last step, for {@link #appliedInnerProducts}. */
  private final Map<String, double[]> lastGates = new HashMap<>();
  private long step;

  public GemsOptimizer(GemsConfig config, List<Param> targeted, List<Param> others) {
    this.config = config;
    checkParameters(targeted, others);
    params.addAll(targeted);
    params.addAll(others);
    targetedCount = targeted.size();
    for (Param p : targeted) {
      if (config.method() == Method.ADAMW) {
        adamw.add(new AdamWState(p.name(), p.tensor()));
      } else {
        long rankTask = config.method() == Method.GALORE ? 0 : config.rankTask();
        SubspaceState s = new SubspaceState(p.name(), p.tensor(), config.rankShared(), rankTask);
        subspaces.add(s);
        byName.put(p.name(), s);
      }
    }
    runningGates = config.method() == Method.GEMS && config.gating().running() ? new RunningGates(subspaces) : null;
    for (Param p : others) {
      adamw.add(new AdamWState(p.name(), p.tensor()));
      if (p.name().endsWith(".bias")) {
        SubspaceState owner = byName.get(p.name().substring(0, p.name().length() - 5) + ".weight");
        if (owner != null && p.tensor().dim() == 1 && p.tensor().size(0) == owner.m) {
          biasOwners.put(p.name(), owner);
        }
      }
    }
  }

  /** Unique names, distinct tensors, float32, one device; targeted weights 2-D and contiguous. */
  private static void checkParameters(List<Param> targeted, List<Param> others) {
    Set<String> names = new HashSet<>();
    Set<Long> addresses = new HashSet<>();
    String device = null;
    List<Param> all = new ArrayList<>(targeted);
    all.addAll(others);
    for (int i = 0; i < all.size(); i++) {
      Param p = all.get(i);
      Tensor t = p.tensor();
      if (!names.add(p.name())) {
        throw new IllegalArgumentException("parameter name '" + p.name() + "' appears twice");
      }
      if (!addresses.add(t.data_ptr().address())) {
        throw new IllegalArgumentException("parameter '" + p.name() + "' shares its storage with another parameter");
      }
      if (t.scalar_type().value != torch.ScalarType.Float.value) {
        throw new IllegalArgumentException("parameter '" + p.name() + "' must be float32, got " + Tensors.describe(t));
      }
      String d = deviceOf(t);
      if (device != null && !device.equals(d)) {
        throw new IllegalArgumentException("parameter '" + p.name() + "' is on " + d + ", the others on " + device);
      }
      device = d;
      if (i < targeted.size() && (t.dim() != 2 || !t.is_contiguous())) {
        throw new IllegalArgumentException("targeted parameter '" + p.name() + "' must be a contiguous 2-D matrix, got "
            + Tensors.describe(t) + (t.is_contiguous() ? "" : " (non-contiguous)"));
      }
    }
  }

  public GemsConfig config() {
    return config;
  }

  /** Steps taken so far. */
  public long stepCount() {
    return step;
  }

  /**
   * The protected output directions K (m x k, orthonormal columns, 0 <= k <= m) of a targeted
   * weight; copied to the weight's device as float32. Needs {@code nullSpace} in the config.
   */
  public void setNullBasis(String name, Tensor k) {
    if (!config.nullSpace()) {
      throw new IllegalStateException("nullSpace is off in this optimizer's config; a null basis would be ignored");
    }
    SubspaceState s = byName.get(name);
    if (s == null) {
      throw new IllegalArgumentException("'" + name + "' is not a targeted parameter of this optimizer");
    }
    if (k.dim() != 2 || k.size(0) != s.m || k.size(1) > s.m) {
      throw new IllegalArgumentException("null basis of '" + name + "' must be " + s.m + " x k with k <= " + s.m
          + ", got " + Tensors.describe(k));
    }
    try (PointerScope scope = new PointerScope()) {
      Tensor copy = k.to(s.weight.device(), torch.ScalarType.Float).contiguous().clone();
      double offOrthonormal = Tensors.norm(copy.t().mm(copy).sub(torch.eye(k.size(1), Tensors.float32Like(copy))));
      if (!(offOrthonormal < 1e-3 * Math.max(1, Math.sqrt(k.size(1))))) {
        throw new IllegalArgumentException("null basis of '" + name + "' must have orthonormal columns: |K^T K - I| = "
            + offOrthonormal);
      }
      // I - K K^T leaks along span(K) by about |K^T K - I|: re-orthonormalise (same span, float64
      // QR) so the documented bound |K^T dW| / |dW| < 1e-5 holds for any accepted K
      Tensor q = torch.linalg_qr(copy.to(torch.ScalarType.Double), "reduced").get0();
      s.nullBasis = Tensors.keep(q.to(torch.ScalarType.Float).contiguous());
    }
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
    if (config.nullSpace()) {
      for (SubspaceState s : subspaces) {
        if (s.nullBasis == null) {
          throw new IllegalStateException("null space is on but '" + s.name + "' has no null basis (call setNullBasis)");
        }
      }
    }
    try (NoGradGuard noGrad = new NoGradGuard(); PointerScope scope = new PointerScope()) {
      double searchNorm = checkGradients(search), recNorm = checkGradients(rec);
      long t = step + 1;
      double lr = config.schedule().at(t);
      double[] gates = config.method() == Method.GEMS
          ? config.gating().gates(signal(search, searchNorm), signal(rec, recNorm))
          : new double[] {0, 0};
      if (!Double.isFinite(gates[0]) || !Double.isFinite(gates[1])) {
        throw new IllegalArgumentException("gates are not finite (" + gates[0] + ", " + gates[1] + ") for losses "
            + search.loss() + ", " + rec.loss() + " and gradient norms " + searchNorm + ", " + recNorm);
      }
      double[][] weightGates = new double[subspaces.size()][];
      double referenceSearch = gates[0];
      if (runningGates != null) {
        Tensor[][] grads = new Tensor[subspaces.size()][];
        for (int i = 0; i < subspaces.size(); i++) {
          grads[i] = new Tensor[] {search.grad(subspaces.get(i).name), rec.grad(subspaces.get(i).name)};
        }
        runningGates.observe(new double[] {search.loss(), rec.loss()}, new long[] {search.count(), rec.count()}, grads);
      }
      double sum = 0, lowGate = Double.POSITIVE_INFINITY, highGate = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < subspaces.size(); i++) {
        weightGates[i] = runningGates == null ? gates
            : config.gating().gates(runningGates, i, search.count(), rec.count());
        lastGates.put(subspaces.get(i).name, weightGates[i]);
        sum += weightGates[i][0];
        lowGate = Math.min(lowGate, weightGates[i][0]);
        highGate = Math.max(highGate, weightGates[i][0]);
      }
      if (runningGates != null && !subspaces.isEmpty()) {
        gates = search.count() == 0 || rec.count() == 0 ? new double[] {0, 0}
            : new double[] {sum / subspaces.size(), 1 - sum / subspaces.size()};
      }
      if (subspaces.isEmpty()) {
        lowGate = highGate = gates[0];
      }
      boolean refresh = config.refreshesAt(t);
      // the moments hold step - 1 = t - 1 steps: their bias corrections, for MomentPolicy's floor
      double momentFloor = step == 0 ? 1 : (1 - Math.pow(config.beta2(), step)) / Math.pow(1 - Math.pow(config.beta1(), step), 2);
      double lowest = Double.NaN;
      FusedStep.Hyper hyper = new FusedStep.Hyper(lr, config.beta1(), config.beta2(), config.eps(),
          config.alpha(), config.weightDecay());
      for (int i = 0; i < subspaces.size(); i++) {
        SubspaceState s = subspaces.get(i);
        Tensor gs = search.grad(s.name), gr = rec.grad(s.name);
        if (refresh) {
          double e = refresh(i, search, rec, momentFloor);
          lowest = Double.isNaN(lowest) ? e : Math.min(lowest, e);
        }
        s.step(new FusedStep.Task(gs, search.count(), weightGates[i][0]),
            new FusedStep.Task(gr, rec.count(), weightGates[i][1]), t, hyper);
      }
      for (AdamWState a : adamw) {
        Tensor g = shared(search.grad(a.name), search.count(), rec.grad(a.name), rec.count());
        SubspaceState owner = biasOwners.get(a.name);
        Tensor k = owner == null ? null : owner.nullBasis; // set when the null space is on
        Tensor before = k == null ? null : a.param.clone();
        a.step(g, t, lr, config);
        if (k != null) { // y = W x + b: K^T b must stay as still as K^T W, so the bias's update is projected too
          Tensor change = a.param.sub(before).unsqueeze(1);
          a.param.copy_(before.add(change.sub(k.mm(k.t().mm(change))).squeeze(1)));
        }
      }
      step = t;
      return new StepReport(t, lr, gates[0], gates[1], refresh && !subspaces.isEmpty(), lowest, lowGate, highGate,
          referenceSearch);
    }
  }

  /** Refreshes targeted weight i's bases from the batches; its lowest captured-energy fraction. */
  private double refresh(int i, TaskBatch search, TaskBatch rec, double momentFloor) {
    SubspaceState s = subspaces.get(i);
    Tensor gs = search.grad(s.name), gr = rec.grad(s.name);
    Tensor shared = shared(gs, search.count(), gr, rec.count());
    long seed = config.seed() * 1_000_003L + i * 7919L + s.refreshes;
    return s.refresh(new Tensor[] {shared, gs, gr}, config.decomposition(), config.basisMethod(), config.momentPolicy(),
        seed, momentFloor);
  }

  /**
   * Refreshes every targeted weight's bases from these batches now, as a step's refresh does
   * (moments carried over by the config's policy), without taking a step: what `gems bench
   * optimizer` times per decomposition. Needs a null basis for every weight when the null space is on.
   */
  public void refreshBases(TaskBatch search, TaskBatch rec) {
    if (search.count() + rec.count() == 0) {
      throw new IllegalArgumentException("a refresh needs at least one sample (both task batches are empty)");
    }
    try (NoGradGuard noGrad = new NoGradGuard(); PointerScope scope = new PointerScope()) {
      checkGradients(search);
      checkGradients(rec);
      for (int i = 0; i < subspaces.size(); i++) {
        refresh(i, search, rec, 1);
      }
    }
  }

  /**
   * The inner products of the two tasks' parts of the update step {@code report} applied to
   * parameter {@code name}: {search . rec, |search|^2, |rec|^2}. Each part is the task's gradient
   * as the method feeds it (subspace methods: {@link SubspaceState#appliedContribution}, with the
   * gates the step used; AdamW: the gradient times the task's sample share) divided by Adam's
   * denominator of the moments the step left, so the cosine measures the conflict of what was
   * applied, not of the raw gradients. Null when a task is absent or the name is unknown. Call
   * right after {@link #step} with the same batches.
   */
  public double[] appliedInnerProducts(String name, TaskBatch search, TaskBatch rec, StepReport report) {
    if (search.count() == 0 || rec.count() == 0) {
      return null;
    }
    double total = search.count() + rec.count(), ws = search.count() / total, wr = rec.count() / total;
    try (NoGradGuard noGrad = new NoGradGuard(); PointerScope scope = new PointerScope()) {
      Tensor cs, cr;
      SubspaceState s = byName.get(name);
      if (s != null) {
        double bc2 = 1 - Math.pow(config.beta2(), report.step());
        double[] g = lastGates.getOrDefault(name, new double[] {report.gateSearch(), report.gateRec()});
        cs = s.appliedContribution(search.grad(name), ws, 1, g[0], bc2, config.eps());
        cr = s.appliedContribution(rec.grad(name), wr, 2, g[1], bc2, config.eps());
      } else {
        AdamWState a = adamw.stream().filter(x -> x.name.equals(name)).findFirst().orElse(null);
        if (a == null) {
          return null;
        }
        cs = a.preconditioned(search.grad(name), ws, report.step(), config);
        cr = a.preconditioned(rec.grad(name), wr, report.step(), config);
      }
      return new double[] {cs.flatten().dot(cr.flatten()).item_double(), cs.square().sum().item_double(),
          cr.square().sum().item_double()};
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
    for (int i = 0; i < params.size(); i++) {
      Param p = params.get(i);
      Tensor g = batch.grad(p.name());
      if (!Arrays.equals(Tensors.shape(g), Tensors.shape(p.tensor()))
          || g.scalar_type().value != p.tensor().scalar_type().value || !deviceOf(g).equals(deviceOf(p.tensor()))) {
        throw new IllegalArgumentException("gradient of '" + p.name() + "' is " + Tensors.describe(g)
            + " on " + deviceOf(g) + ", the parameter is " + Tensors.describe(p.tensor()) + " on " + deviceOf(p.tensor()));
      }
      double norm = Tensors.norm(g);
      if (!Double.isFinite(norm)) {
        throw new IllegalArgumentException("gradient of '" + p.name() + "' " + Tensors.describe(g)
            + " contains NaN or Inf; nothing was updated");
      }
      if (i < targetedCount) {
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

  RunningGates runningGates() {
    return runningGates;
  }

  void restoreStep(long value) {
    step = value;
  }
}
