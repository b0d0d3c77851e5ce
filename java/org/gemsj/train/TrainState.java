package org.gemsj.train;

/** The trainer's own progress, saved in each checkpoint (state.json). */
public record TrainState(long step, double bestScore, long bestStep, int badEvals, double trainSeconds, boolean stopped) {
  static TrainState initial() {
    return new TrainState(0, Double.NEGATIVE_INFINITY, 0, 0, 0, false);
  }
}
