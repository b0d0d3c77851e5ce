package org.gemsj.train;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.gemsj.data.Example;
import org.gemsj.data.Task;
import org.gemsj.eval.Evaluator;
import org.gemsj.eval.Scorer;
import org.gemsj.model.GenerativeModel;

/**
 * Chooses the rec scale of a trained model's transition prior on validation NDCG@10. Training
 * fits the scale by cross-entropy, which spreads probability over the many targets that never
 * followed the newest item and so settles on a scale that ranks the items that did follow it too
 * low for the top of the list. The choice is between the learned scale and a fixed grid; the
 * decoder's logits are computed once and the prior added per candidate, so it costs one scoring
 * pass over the validation examples.
 */
final class TransitionScaleSelection {
  static final double[] GRID = {0, 0.5, 1, 1.5, 2, 3, 5, 10, 20};

  /** The chosen scale and the validation NDCG@10 of the learned one and of the choice. */
  record Choice(double learned, double learnedNdcg, double chosen, double chosenNdcg) {}

  private TransitionScaleSelection() {}

  /** Picks the scale on {@code valid}'s rec examples (the learned one on ties) without changing the model. */
  static Choice select(GenerativeModel model, List<Example> valid, long seed, PrintStream log) {
    List<Example> rec = valid.stream().filter(e -> e.task() == Task.REC).toList();
    double learned = model.transitionScale(Task.REC);
    Map<Example, float[]> logits = new IdentityHashMap<>(), counts = new IdentityHashMap<>(); // once, for every scale
    for (int from = 0; from < rec.size(); from += Evaluator.DEFAULT_BATCH_SIZE) {
      List<Example> batch = rec.subList(from, Math.min(from + Evaluator.DEFAULT_BATCH_SIZE, rec.size()));
      float[][] rows = model.itemLogits(batch);
      for (int i = 0; i < rows.length; i++) {
        float[] c = new float[model.items().size()];
        model.transitions().logCounts(model.newest(batch.get(i)), c, 0);
        logits.put(batch.get(i), rows[i]);
        counts.put(batch.get(i), c);
      }
    }
    List<Double> candidates = new ArrayList<>(List.of(learned));
    for (double g : GRID) {
      candidates.add(g);
    }
    double best = learned, bestNdcg = Double.NEGATIVE_INFINITY, learnedNdcg = 0;
    StringBuilder line = new StringBuilder();
    for (double scale : candidates) {
      double ndcg = new Evaluator().evaluate(model.items(), rec, scorer(logits, counts, scale), seed).full()
          .get(Task.REC).get("ndcg@10");
      if (scale == learned && line.isEmpty()) {
        learnedNdcg = ndcg;
      }
      line.append(String.format(" %.2f:%.4f", scale, ndcg));
      if (ndcg > bestNdcg) {
        best = scale;
        bestNdcg = ndcg;
      }
    }
    log.println("gems: rec transition scale on validation NDCG@10 (learned first):" + line);
    log.printf("gems: rec transition scale %.2f (learned %.2f)%n", best, learned);
    return new Choice(learned, learnedNdcg, best, bestNdcg);
  }

  /**
   * Ranks by logits + scale * ln(1 + count); the log-softmax would only shift each row by a
   * constant. Only rec examples are passed to it.
   */
  private static Scorer scorer(Map<Example, float[]> logits, Map<Example, float[]> counts, double scale) {
    return new Scorer() {
      @Override
      public String name() {
        return "transition scale " + scale;
      }

      @Override
      public float[][] scores(List<Example> batch) {
        float[][] out = new float[batch.size()][];
        for (int b = 0; b < batch.size(); b++) {
          float[] row = logits.get(batch.get(b)).clone(), c = counts.get(batch.get(b));
          for (int j = 0; j < row.length; j++) {
            row[j] += (float) (scale * c[j]);
          }
          out[b] = row;
        }
        return out;
      }
    };
  }
}
