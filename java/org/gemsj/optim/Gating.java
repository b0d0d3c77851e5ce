package org.gemsj.optim;

/**
 * Gates of the two task subspaces (they sum to 1 when both tasks are in the batch).
 *
 * <p>Adaptive: g_k ∝ wLoss L_k/ΣL + wNorm |G_k|/Σ|G| + wShare N_k/ΣN, the method's training
 * dynamics signal (defaults 0.4 / 0.4 / 0.2), from this batch's losses, gradient norms over all
 * targeted weights, and sample counts: the reference formula, one gate pair a step. Running
 * ({@code running}, adaptive only): the same weights over running means instead
 * ({@link RunningGates}): each task's loss relative to its first, the norm of its gradient's
 * signal per targeted weight (so each weight has its own gates), and its running sample share.
 * Fixed: g_search = fixedSearch.
 *
 * <p>When the batch holds one task only there is no conflict to resolve: both gates are 0 and
 * the shared subspace carries the whole update, which is exactly GaLore on that task.
 */
public record Gating(boolean adaptive, double lossWeight, double normWeight, double shareWeight, double fixedSearch,
    boolean running) {
  public static Gating adaptiveDefault() {
    return new Gating(true, 0.4, 0.4, 0.2, 0.5, false);
  }

  /** The reference weights over running means, one gate pair per targeted weight. */
  public static Gating runningDefault() {
    return new Gating(true, 0.4, 0.4, 0.2, 0.5, true);
  }

  public static Gating fixed(double searchGate) {
    return new Gating(false, 0.4, 0.4, 0.2, searchGate, false);
  }

  public Gating {
    if (lossWeight < 0 || normWeight < 0 || shareWeight < 0 || lossWeight + normWeight + shareWeight <= 0) {
      throw new IllegalArgumentException("gating weights must be >= 0 with a positive sum");
    }
    if (!(fixedSearch >= 0 && fixedSearch <= 1)) {
      throw new IllegalArgumentException("fixed search gate must be in [0, 1], got " + fixedSearch);
    }
    if (running && !adaptive) {
      throw new IllegalArgumentException("running gates are adaptive; a fixed gate has nothing to average");
    }
  }

  /** The two gates, {search, rec}. */
  public double[] gates(TaskSignal search, TaskSignal rec) {
    if (search.count() == 0 || rec.count() == 0) {
      return new double[] {0, 0};
    }
    if (!adaptive) {
      return new double[] {fixedSearch, 1 - fixedSearch};
    }
    double s = lossWeight * share(search.loss(), rec.loss())
        + normWeight * share(search.gradNorm(), rec.gradNorm())
        + shareWeight * share(search.count(), rec.count());
    double total = lossWeight + normWeight + shareWeight;
    return new double[] {s / total, 1 - s / total};
  }

  /** The running gates of targeted weight {@code w}, {search, rec}; both 0 when a task is absent from the batch. */
  double[] gates(RunningGates r, int w, long searchCount, long recCount) {
    if (searchCount == 0 || recCount == 0) {
      return new double[] {0, 0};
    }
    double s = lossWeight * share(r.relativeLoss(0), r.relativeLoss(1))
        + normWeight * share(r.signalNorm(w, 0), r.signalNorm(w, 1))
        + shareWeight * share(r.count(0), r.count(1));
    double total = lossWeight + normWeight + shareWeight;
    return new double[] {s / total, 1 - s / total};
  }

  private static double share(double a, double b) {
    return a + b > 0 ? a / (a + b) : 0.5;
  }

  /** What the gate sees of one task in a batch. */
  public record TaskSignal(double loss, double gradNorm, long count) {}
}
