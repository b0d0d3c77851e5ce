package org.gemsj.optim;

/**
 * Linear warmup to the peak learning rate, then cosine decay to {@code minRatio * peak} at
 * {@code totalSteps} (which must exceed {@code warmupSteps}); constant after that. Steps are
 * 1-based.
 */
public record LrSchedule(double peak, int warmupSteps, int totalSteps, double minRatio) {
  public LrSchedule {
    if (!(peak >= 0) || !Double.isFinite(peak) || warmupSteps < 0 || totalSteps <= warmupSteps
        || !(minRatio >= 0 && minRatio <= 1)) {
      throw new IllegalArgumentException("invalid lr schedule: peak=" + peak + " warmupSteps="
          + warmupSteps + " totalSteps=" + totalSteps + " minRatio=" + minRatio);
    }
  }

  public double at(long step) {
    if (step <= warmupSteps) {
      return peak * step / Math.max(1, warmupSteps);
    }
    double progress = Math.min(1.0, (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
    double cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
    return peak * (minRatio + (1 - minRatio) * cosine);
  }
}
