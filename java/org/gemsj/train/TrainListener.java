package org.gemsj.train;

import org.gemsj.eval.EvalResult;
import org.gemsj.eval.MetricsDoc;

/**
 * Progress events of a training run, called on the training thread in the order they happen:
 * log lines throughout, then per step {@code step}, after some steps {@code validation}, then
 * {@code checkpoint} when one was written, and {@code finished} once the final metrics are known.
 * Every method defaults to doing nothing. Keep them quick (they run between steps); one that
 * throws ends the run with its exception. A listener may call {@link Trainer#requestStop()}.
 */
public interface TrainListener {
  /** One line the trainer logged (phases such as "gems: estimating the null space ..."), no newline. */
  default void log(String line) {}

  /**
   * Step {@code step} of {@code totalSteps} is done. A loss is null when its task had no examples
   * in the step; {@code seconds} is training wall time since the run began (resumes included).
   */
  default void step(long step, long totalSteps, Double searchLoss, Double recLoss, double examplesPerSecond,
      double seconds) {}

  /** A validation pass after {@code step}; {@code improved}: it became the best model (saved to OUT/model). */
  default void validation(long step, EvalResult result, boolean improved) {}

  /** OUT/checkpoint now holds the state after {@code step} (a resume continues from there). */
  default void checkpoint(long step) {}

  /** The run ended normally: the test metrics of the best model, as written to metrics.json. */
  default void finished(MetricsDoc metrics) {}

  /** A listener that ignores every event. */
  TrainListener NONE = new TrainListener() {};
}
