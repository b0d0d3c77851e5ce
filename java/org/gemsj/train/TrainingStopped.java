package org.gemsj.train;

import java.nio.file.Path;

/**
 * Thrown by {@link Trainer#run} when {@link Trainer#requestStop()} ended the run early: the
 * checkpoint in {@code out} holds the state after {@code step}, and a resume of {@code out}
 * continues the run exactly from there. Checked, so that callers handle "stopped" apart from failure.
 */
public final class TrainingStopped extends Exception {
  private final long step;
  private final long totalSteps;
  private final Path out;

  public TrainingStopped(long step, long totalSteps, Path out) {
    super("training stopped on request after step " + step + " of " + totalSteps + "; the checkpoint in " + out
        + " resumes it (gems train --resume " + out + ")");
    this.step = step;
    this.totalSteps = totalSteps;
    this.out = out;
  }

  /** The last completed step, the one the checkpoint holds. */
  public long step() {
    return step;
  }

  public long totalSteps() {
    return totalSteps;
  }

  /** The run's output directory, the argument of a resume. */
  public Path out() {
    return out;
  }
}
