package org.gemsj.eval;

import java.util.List;
import java.util.Set;
import org.gemsj.data.Example;
import org.gemsj.data.Item;
import org.gemsj.data.Task;

/**
 * BM25 with a popularity prior for search: score = BM25(query, item) + w ln(1 + count), where
 * count is how often the item is a training target. {@link #tuned} picks w from {@link #WEIGHTS}
 * by NDCG@10 on the validation split (never on test); w = 0 is plain BM25.
 */
public final class Bm25PopularityScorer implements Scorer {
  /** The weights {@link #tuned} tries, in order (the first of equals wins). */
  public static final List<Double> WEIGHTS = List.of(0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 4.0, 8.0);

  private final Bm25Scorer bm25;
  private final float[] logCounts;
  private final double weight;

  /** {@code bm25} is read, not closed: the caller owns it. */
  public Bm25PopularityScorer(Bm25Scorer bm25, List<Item> items, List<Example> train, double weight) {
    if (!(weight >= 0) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException("popularity weight must be finite and >= 0, got " + weight);
    }
    this.bm25 = bm25;
    this.weight = weight;
    float[] counts = PopularityScorer.fromTrainTargets(items, train).counts();
    logCounts = new float[counts.length];
    for (int i = 0; i < counts.length; i++) {
      logCounts[i] = (float) Math.log1p(counts[i]);
    }
  }

  /**
   * The scorer whose weight scores best on {@code valid}'s search examples (NDCG@10, full
   * catalogue); w = 0 when there are none.
   */
  public static Bm25PopularityScorer tuned(Bm25Scorer bm25, List<Item> items, List<Example> train,
      List<Example> valid, long seed) {
    List<Example> searches = valid.stream().filter(e -> e.task() == Task.SEARCH).toList();
    Bm25PopularityScorer best = new Bm25PopularityScorer(bm25, items, train, WEIGHTS.get(0));
    if (searches.isEmpty()) {
      return best;
    }
    double bestScore = Double.NEGATIVE_INFINITY;
    for (double w : WEIGHTS) {
      Bm25PopularityScorer s = new Bm25PopularityScorer(bm25, items, train, w);
      double score = new Evaluator().evaluate(items, searches, s, seed).meanOverTasks("ndcg@10");
      if (score > bestScore) {
        bestScore = score;
        best = s;
      }
    }
    return best;
  }

  public double weight() {
    return weight;
  }

  @Override
  public String name() {
    return "bm25+popularity";
  }

  @Override
  public Set<Task> tasks() {
    return Set.of(Task.SEARCH);
  }

  @Override
  public float[][] scores(List<Example> batch) {
    float[][] out = bm25.scores(batch);
    for (float[] row : out) {
      for (int i = 0; i < row.length; i++) {
        row[i] += (float) (weight * logCounts[i]);
      }
    }
    return out;
  }
}
