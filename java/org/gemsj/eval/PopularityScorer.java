package org.gemsj.eval;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.gemsj.data.Example;
import org.gemsj.data.Item;
import org.gemsj.data.Task;

/**
 * Non-personalised baseline for rec: an item's score is how many times its id occurs in the given
 * training ids. Pass the training examples' targets ({@link #fromTrainTargets}), so the counts are
 * of the same events the model learns to predict; every example gets the same scores.
 */
public final class PopularityScorer implements Scorer {
  private final float[] counts;

  public PopularityScorer(List<Item> items, Collection<String> trainItemIds) {
    Map<String, Integer> index = Evaluator.itemIndex(items);
    counts = new float[items.size()];
    for (String id : trainItemIds) {
      Integer i = index.get(id);
      if (i == null) {
        throw new IllegalArgumentException("training item id '" + id + "' is not in the catalogue");
      }
      counts[i]++;
    }
  }

  /** Counts the targets of {@code train} (both tasks' examples; a purchase via search is popular too). */
  public static PopularityScorer fromTrainTargets(List<Item> items, List<Example> train) {
    return new PopularityScorer(items, train.stream().map(Example::target).toList());
  }

  @Override
  public String name() {
    return "popularity";
  }

  @Override
  public Set<Task> tasks() {
    return Set.of(Task.REC);
  }

  @Override
  public float[][] scores(List<Example> batch) {
    float[][] out = new float[batch.size()][];
    for (int b = 0; b < batch.size(); b++) {
      out[b] = counts.clone(); // callers may not expect rows to alias
    }
    return out;
  }

  /**
   * Each item's training-target count over (the largest count + 1): in [0, 1), so added to an
   * integer score (a count of transitions or of matched words) it orders only the items that tie.
   */
  public static float[] tieBreak(List<Item> items, List<Example> train) {
    float[] counts = fromTrainTargets(items, train).counts;
    float max = 0;
    for (float c : counts) {
      max = Math.max(max, c);
    }
    for (int i = 0; i < counts.length; i++) {
      counts[i] /= max + 1;
    }
    return counts;
  }

  /** The count of each catalogue item (a copy). */
  public float[] counts() {
    return counts.clone();
  }
}
