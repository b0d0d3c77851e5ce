package org.gemsj.eval;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.gemsj.data.Example;
import org.gemsj.data.Task;

/**
 * Scores the whole catalogue for a batch of examples; the {@link Evaluator} turns the scores into
 * ranks. Batches hold examples of one task only, so a neural scorer can encode them together.
 */
public interface Scorer {
  /** Name used in tables and metrics.json (e.g. "bm25", "popularity", "dense", "gems"). */
  String name();

  /**
   * One row per example, each with one score per catalogue item (row length = catalogue size,
   * index = item index); higher is better. Rows must not contain NaN.
   */
  float[][] scores(List<Example> batch);

  /** Tasks this scorer is meaningful for; the evaluator leaves out examples of other tasks. */
  default Set<Task> tasks() {
    return EnumSet.allOf(Task.class);
  }
}
