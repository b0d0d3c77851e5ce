package org.gemsj.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Which training examples make up step t's batch: epochs of a seeded shuffle, laid end to end.
 * A pure function of (seed, step), so a resumed run sees exactly the batches it would have.
 */
public final class BatchOrder {
  private final int size;
  private final int batch;
  private final long seed;
  private final Map<Long, List<Integer>> epochs = new HashMap<>();

  public BatchOrder(int size, int batch, long seed) {
    this.size = size;
    this.batch = batch;
    this.seed = seed;
  }

  /** Example indices of 1-based step {@code t}. */
  public List<Integer> batch(long t) {
    List<Integer> out = new ArrayList<>(batch);
    for (long p = (t - 1) * batch; p < t * batch; p++) {
      long epoch = p / size;
      out.add(epoch(epoch).get((int) (p % size)));
    }
    return out;
  }

  private List<Integer> epoch(long e) {
    epochs.keySet().removeIf(k -> k < e - 1);
    return epochs.computeIfAbsent(e, k -> {
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        order.add(i);
      }
      Collections.shuffle(order, new Random(seed * 31 + k));
      return order;
    });
  }
}
