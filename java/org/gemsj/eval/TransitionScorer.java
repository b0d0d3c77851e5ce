package org.gemsj.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.gemsj.data.Example;
import org.gemsj.data.Item;
import org.gemsj.data.Task;
import org.gemsj.model.TransitionPrior;

/**
 * Item-to-item baseline for rec: for a history whose newest item is a, item j scores the number
 * of training examples whose newest history item is a and whose target is j; items never seen
 * after a (and every item for an empty history) follow by training popularity. The score is
 * count + popularity / (max popularity + 1), so the count decides and popularity only orders
 * equal counts.
 */
public final class TransitionScorer implements Scorer {
  private final Map<String, Integer> index;
  private final TransitionPrior next; // the same counts the model's transition prior uses
  private final float[] backoff;

  /** Counts over {@code train} (both tasks: a search event is a step of the user's sequence too). */
  public TransitionScorer(List<Item> items, List<Example> train) {
    index = Evaluator.itemIndex(items);
    backoff = PopularityScorer.tieBreak(items, train);
    List<int[]> pairs = new ArrayList<>();
    for (Example e : train) {
      if (!e.history().isEmpty()) {
        pairs.add(new int[] {known(e.history().get(e.history().size() - 1), e), known(e.target(), e)});
      }
    }
    next = TransitionPrior.count(items.size(), pairs);
  }

  private int known(String id, Example e) {
    Integer i = index.get(id);
    if (i == null) {
      throw new IllegalArgumentException("training example of user " + e.user() + ": item id '" + id
          + "' is not in the catalogue");
    }
    return i;
  }

  @Override
  public String name() {
    return "item-to-item";
  }

  @Override
  public Set<Task> tasks() {
    return Set.of(Task.REC);
  }

  @Override
  public float[][] scores(List<Example> batch) {
    float[][] out = new float[batch.size()][];
    for (int b = 0; b < batch.size(); b++) {
      float[] row = backoff.clone();
      List<String> h = batch.get(b).history();
      if (!h.isEmpty()) {
        Integer last = index.get(h.get(h.size() - 1));
        if (last != null) {
          next.forEachFollower(last, (j, n) -> row[j] += n);
        }
      }
      out[b] = row;
    }
    return out;
  }
}
