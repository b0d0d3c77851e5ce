package org.gemsj.optim;

import org.gemsj.nativeops.BasisRefresh;

/**
 * Everything the optimizer is configured with. Defaults are the method's reference values
 * (docs/METHOD.md), except REPROJECT for the moments (see {@link MomentPolicy}).
 *
 * @param rankShared r_sh; clamped per weight to min(m, n)
 * @param rankTask r_task of each task subspace; clamped per weight to min(m, n); unused by GALORE
 * @param refreshInterval T, steps between basis refreshes (the first step always refreshes)
 * @param refreshWarmup also refresh at steps 2, 3, 5, 9, 17, ... (1 + 2^k) while 2^k < T: the
 *     step-1 bases come from the gradients of a freshly initialised head, so early on they are
 *     replaced as the gradients settle, instead of steering T steps
 * @param alpha scale of the back-projected update
 * @param nullSpace project gradients and updates away from the protected directions that
 *     {@link GemsOptimizer#setNullBasis} provides (every targeted weight needs one)
 * @param seed seeds the randomized basis refresh
 * @param decomposition how a refresh splits the gradients into the shared and task subspaces;
 *     REFERENCE when null (a config saved before the option existed)
 */
public record GemsConfig(
    Method method,
    int rankShared,
    int rankTask,
    int refreshInterval,
    double alpha,
    LrSchedule schedule,
    double weightDecay,
    double beta1,
    double beta2,
    double eps,
    Gating gating,
    boolean nullSpace,
    MomentPolicy momentPolicy,
    BasisRefresh.Method basisMethod,
    long seed,
    boolean refreshWarmup,
    Decomposition decomposition) {

  public GemsConfig {
    decomposition = decomposition == null ? Decomposition.REFERENCE : decomposition;
    if (method == null || schedule == null || gating == null || momentPolicy == null || basisMethod == null) {
      throw new IllegalArgumentException("method, schedule, gating, momentPolicy and basisMethod are required");
    }
    if (rankShared < 1 || rankTask < 0 || refreshInterval < 1) {
      throw new IllegalArgumentException("need rankShared >= 1, rankTask >= 0, refreshInterval >= 1; got "
          + rankShared + ", " + rankTask + ", " + refreshInterval);
    }
    if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && eps > 0 && weightDecay >= 0)) {
      throw new IllegalArgumentException("need 0 <= beta < 1, eps > 0, weightDecay >= 0");
    }
    if (!Double.isFinite(alpha) || !Float.isFinite((float) alpha)) {
      throw new IllegalArgumentException("alpha must be finite in float32, got " + alpha);
    }
    if (!Double.isFinite(weightDecay) || (float) eps <= 0) {
      throw new IllegalArgumentException("weightDecay must be finite and eps representable in float32 (> 1.4e-45)");
    }
    if (nullSpace && method == Method.ADAMW) {
      throw new IllegalArgumentException("nullSpace applies to GEMS and GALORE subspaces, not to method ADAMW");
    }
  }

  /** Whether step {@code t} (1-based) refreshes the bases. */
  public boolean refreshesAt(long t) {
    long since = t - 1;
    if (since % refreshInterval == 0) {
      return true;
    }
    return refreshWarmup && since < refreshInterval && Long.bitCount(since) == 1;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.method = method;
    b.rankShared = rankShared;
    b.rankTask = rankTask;
    b.refreshInterval = refreshInterval;
    b.alpha = alpha;
    b.schedule = schedule;
    b.weightDecay = weightDecay;
    b.beta1 = beta1;
    b.beta2 = beta2;
    b.eps = eps;
    b.gating = gating;
    b.nullSpace = nullSpace;
    b.momentPolicy = momentPolicy;
    b.basisMethod = basisMethod;
    b.seed = seed;
    b.refreshWarmup = refreshWarmup;
    b.decomposition = decomposition;
    return b;
  }

  /** Builder with the reference defaults. */
  public static final class Builder {
    private Method method = Method.GEMS;
    private int rankShared = 128;
    private int rankTask = 64;
    private int refreshInterval = 200;
    private double alpha = 1.0;
    private LrSchedule schedule = new LrSchedule(5e-4, 10, 1000, 0.0);
    private double weightDecay = 0.01;
    private double beta1 = 0.9;
    private double beta2 = 0.999;
    private double eps = 1e-6;
    private Gating gating = Gating.adaptiveDefault();
    private boolean nullSpace = false;
    private MomentPolicy momentPolicy = MomentPolicy.REPROJECT;
    private BasisRefresh.Method basisMethod = BasisRefresh.Method.AUTO;
    private long seed = 0;
    private boolean refreshWarmup = false;
    private Decomposition decomposition = Decomposition.REFERENCE; // until validation compares the two

    public Builder method(Method v) { method = v; return this; }
    public Builder rankShared(int v) { rankShared = v; return this; }
    public Builder rankTask(int v) { rankTask = v; return this; }
    public Builder refreshInterval(int v) { refreshInterval = v; return this; }
    public Builder alpha(double v) { alpha = v; return this; }
    public Builder schedule(LrSchedule v) { schedule = v; return this; }
    public Builder weightDecay(double v) { weightDecay = v; return this; }
    public Builder betas(double b1, double b2) { beta1 = b1; beta2 = b2; return this; }
    public Builder eps(double v) { eps = v; return this; }
    public Builder gating(Gating v) { gating = v; return this; }
    public Builder nullSpace(boolean v) { nullSpace = v; return this; }
    public Builder momentPolicy(MomentPolicy v) { momentPolicy = v; return this; }
    public Builder basisMethod(BasisRefresh.Method v) { basisMethod = v; return this; }
    public Builder seed(long v) { seed = v; return this; }
    public Builder refreshWarmup(boolean v) { refreshWarmup = v; return this; }
    public Builder decomposition(Decomposition v) { decomposition = v; return this; }

    public GemsConfig build() {
      return new GemsConfig(method, rankShared, rankTask, refreshInterval, alpha, schedule, weightDecay,
          beta1, beta2, eps, gating, nullSpace, momentPolicy, basisMethod, seed, refreshWarmup, decomposition);
    }
  }
}
