package org.gemsj.eval;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Single-target ranking metrics: HR, NDCG and MRR at cutoffs 5, 10 and 20, from the 1-based rank
 * of the target. Ranks are pessimistic about ties so that a constant scorer earns nothing.
 */
public final class RankingMetrics {
  /** Cutoffs k, in the order their keys appear. */
  public static final List<Integer> CUTOFFS = List.of(5, 10, 20);

  /** Every metric key, in the fixed order used by metrics.json, tables and logs. */
  public static final List<String> KEYS = keys();

  private RankingMetrics() {}

  private static List<String> keys() {
    List<String> keys = new ArrayList<>();
    for (int k : CUTOFFS) {
      keys.add("hr@" + k);
      keys.add("ndcg@" + k);
      keys.add("mrr@" + k);
    }
    return Collections.unmodifiableList(keys);
  }

  /**
   * 1-based rank of {@code scores[target]} among all entries: 1 + #(others scoring higher) +
   * #(others scoring equal). {@code what} names the example in the error for a NaN score.
   */
  public static int rank(float[] scores, int target, String what) {
    float t = checkedTarget(scores, target, what);
    int rank = 1;
    for (int i = 0; i < scores.length; i++) {
      float s = scores[i];
      if (Float.isNaN(s)) {
        throw nan(what, i);
      }
      if (i != target && s >= t) {
        rank++;
      }
    }
    return rank;
  }

  /**
   * Rank of {@code scores[target]} among itself and the {@code candidates} (item indices that
   * must not include the target), with the same tie rule as {@link #rank(float[], int, String)}.
   */
  public static int rankAmong(float[] scores, int target, int[] candidates, String what) {
    float t = checkedTarget(scores, target, what);
    int rank = 1;
    for (int c : candidates) {
      if (c == target) {
        throw new IllegalArgumentException(what + ": the target " + target + " is among its own negatives");
      }
      float s = scores[c];
      if (Float.isNaN(s)) {
        throw nan(what, c);
      }
      if (s >= t) {
        rank++;
      }
    }
    return rank;
  }

  private static float checkedTarget(float[] scores, int target, String what) {
    if (target < 0 || target >= scores.length) {
      throw new IllegalArgumentException(
          what + ": target index " + target + " outside 0.." + (scores.length - 1));
    }
    float t = scores[target];
    if (Float.isNaN(t)) {
      throw nan(what, target);
    }
    return t;
  }

  private static IllegalArgumentException nan(String what, int index) {
    return new IllegalArgumentException(what + ": score of item index " + index + " is NaN");
  }

  /** The metric values for one rank, in {@link #KEYS} order. */
  public static double[] values(int rank) {
    if (rank < 1) {
      throw new IllegalArgumentException("rank must be >= 1, got " + rank);
    }
    double[] v = new double[KEYS.size()];
    int j = 0;
    for (int k : CUTOFFS) {
      boolean hit = rank <= k;
      v[j++] = hit ? 1.0 : 0.0;
      v[j++] = hit ? 1.0 / log2(rank + 1) : 0.0;
      v[j++] = hit ? 1.0 / rank : 0.0;
    }
    return v;
  }

  /** The metric values for one rank keyed as {@link #KEYS}. */
  public static Map<String, Double> forRank(int rank) {
    return toMap(values(rank));
  }

  static Map<String, Double> toMap(double[] v) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (int i = 0; i < v.length; i++) {
      m.put(KEYS.get(i), v[i]);
    }
    return Collections.unmodifiableMap(m);
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }
}
