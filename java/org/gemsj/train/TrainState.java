package org.gemsj.train;

/**
 * The trainer's own progress, saved in each checkpoint (state.json). {@code dataDigest} is the
 * SHA-256 of the dataset's files, so a resume refuses data that changed under it.
 */
public record TrainState(long step, double bestScore, long bestStep, int badEvals, double trainSeconds, boolean stopped,
    String dataDigest) {
  static TrainState initial(String dataDigest) {
    return new TrainState(0, Double.NEGATIVE_INFINITY, 0, 0, 0, false, dataDigest);
  }

  TrainState next(long step, double seconds) {
    return new TrainState(step, bestScore, bestStep, badEvals, seconds, false, dataDigest);
  }

  TrainState improved(double score) {
    return new TrainState(step, score, step, 0, trainSeconds, false, dataDigest);
  }

  TrainState notImproved(int patience) {
    return new TrainState(step, bestScore, bestStep, badEvals + 1, trainSeconds, badEvals + 1 >= patience, dataDigest);
  }
}
