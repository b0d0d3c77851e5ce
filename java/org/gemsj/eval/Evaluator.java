package org.gemsj.eval;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.gemsj.data.Example;
import org.gemsj.data.Item;
import org.gemsj.data.Task;

/**
 * Ranks each example's target with a {@link Scorer} under two protocols, per task: FULL ranks it
 * against the whole catalogue (the primary numbers); SAMPLED ranks it against 99 negatives drawn
 * by {@link NegativeSampler} from the example's position in the list and the seed. One scoring
 * pass feeds both. Examples of tasks the scorer does not serve are left out.
 */
public final class Evaluator {
  public static final int DEFAULT_BATCH_SIZE = 32;

  private final int batchSize;
  private final ProgressListener progress;

  public Evaluator() {
    this(DEFAULT_BATCH_SIZE, ProgressListener.NONE);
  }

  public Evaluator(int batchSize, ProgressListener progress) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    this.batchSize = batchSize;
    this.progress = progress == null ? ProgressListener.NONE : progress;
  }

  public EvalResult evaluate(List<Item> items, List<Example> examples, Scorer scorer, long seed) {
    Map<String, Integer> index = itemIndex(items);
    checkIds(examples, index);
    // positions in the full list, grouped by task so that every batch is single-task
    Map<Task, List<Integer>> byTask = new EnumMap<>(Task.class);
    for (int i = 0; i < examples.size(); i++) {
      Task t = examples.get(i).task();
      if (scorer.tasks().contains(t)) {
        byTask.computeIfAbsent(t, x -> new ArrayList<>()).add(i);
      }
    }
    long total = byTask.values().stream().mapToLong(List::size).sum();
    long done = 0;
    progress.progress(0, total);
    Map<Task, Map<String, Double>> full = new EnumMap<>(Task.class);
    Map<Task, Map<String, Double>> sampled = new EnumMap<>(Task.class);
    Map<Task, Long> counts = new EnumMap<>(Task.class);
    for (Map.Entry<Task, List<Integer>> e : byTask.entrySet()) {
      MetricAccumulator fullAcc = new MetricAccumulator();
      MetricAccumulator sampledAcc = new MetricAccumulator();
      List<Integer> positions = e.getValue();
      for (int from = 0; from < positions.size(); from += batchSize) {
        List<Integer> pos = positions.subList(from, Math.min(from + batchSize, positions.size()));
        List<Example> batch = new ArrayList<>(pos.size());
        for (int p : pos) {
          batch.add(examples.get(p));
        }
        float[][] scores = scorer.scores(batch);
        checkShape(scorer, scores, batch.size(), items.size());
        for (int b = 0; b < batch.size(); b++) {
          int p = pos.get(b);
          Example ex = batch.get(b);
          String what = describe(scorer, p, ex);
          int target = index.get(ex.target());
          fullAcc.add(RankingMetrics.rank(scores[b], target, what));
          int[] negatives = NegativeSampler.negatives(items.size(), target, seed, p);
          sampledAcc.add(RankingMetrics.rankAmong(scores[b], target, negatives, what));
        }
        done += batch.size();
        progress.progress(done, total);
      }
      full.put(e.getKey(), fullAcc.means());
      sampled.put(e.getKey(), sampledAcc.means());
      counts.put(e.getKey(), fullAcc.count());
    }
    return new EvalResult(scorer.name(), full, sampled, counts);
  }

  /** Item id -> list index; duplicate ids would make ranks ambiguous. */
  public static Map<String, Integer> itemIndex(List<Item> items) {
    Map<String, Integer> index = new HashMap<>(items.size() * 2);
    for (int i = 0; i < items.size(); i++) {
      Integer old = index.put(items.get(i).id(), i);
      if (old != null) {
        throw new IllegalArgumentException("duplicate item id '" + items.get(i).id() + "' at indices " + old
            + " and " + i);
      }
    }
    return index;
  }

  private static void checkIds(List<Example> examples, Map<String, Integer> index) {
    for (int i = 0; i < examples.size(); i++) {
      Example ex = examples.get(i);
      if (!index.containsKey(ex.target())) {
        throw new IllegalArgumentException("example " + i + " (user " + ex.user() + "): target item id '"
            + ex.target() + "' is not in the catalogue");
      }
      for (String h : ex.history()) {
        if (!index.containsKey(h)) {
          throw new IllegalArgumentException("example " + i + " (user " + ex.user() + "): history item id '"
              + h + "' is not in the catalogue");
        }
      }
    }
  }

  private static void checkShape(Scorer scorer, float[][] scores, int rows, int cols) {
    if (scores == null || scores.length != rows) {
      throw new IllegalStateException("scorer " + scorer.name() + " returned "
          + (scores == null ? "null" : scores.length + " rows") + " for a batch of " + rows);
    }
    for (float[] row : scores) {
      if (row == null || row.length != cols) {
        throw new IllegalStateException("scorer " + scorer.name() + " returned a row of "
            + (row == null ? "null" : row.length + " scores") + " for a catalogue of " + cols);
      }
    }
  }

  private static String describe(Scorer scorer, int position, Example ex) {
    return "scorer " + scorer.name() + ", example " + position + " (user " + ex.user() + ", task "
        + ex.task().wire + ", target " + ex.target() + ")";
  }
}
