package org.gemsj.eval;

import java.util.Map;

/** Running means of {@link RankingMetrics} over examples, one rank at a time. */
public final class MetricAccumulator {
  // sums, not means, so that the result does not depend on the order of additions beyond rounding
  private final double[] sums = new double[RankingMetrics.KEYS.size()];
  private long count;

  public void add(int rank) {
    double[] v = RankingMetrics.values(rank);
    for (int i = 0; i < v.length; i++) {
      sums[i] += v[i];
    }
    count++;
  }

  public long count() {
    return count;
  }

  /** Means keyed and ordered as {@link RankingMetrics#KEYS}; fails when nothing was added. */
  public Map<String, Double> means() {
    if (count == 0) {
      throw new IllegalStateException("no examples were added");
    }
    double[] m = new double[sums.length];
    for (int i = 0; i < m.length; i++) {
      m[i] = sums[i] / count;
    }
    return RankingMetrics.toMap(m);
  }
}
