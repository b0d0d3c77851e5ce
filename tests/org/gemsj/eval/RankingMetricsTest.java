package org.gemsj.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RankingMetricsTest {
  private static final double EPS = 1e-12;

  @Test
  void keysAreFixedAndOrdered() {
    assertEquals(List.of("hr@5", "ndcg@5", "mrr@5", "hr@10", "ndcg@10", "mrr@10", "hr@20", "ndcg@20", "mrr@20"),
        RankingMetrics.KEYS);
    assertEquals(RankingMetrics.KEYS, List.copyOf(RankingMetrics.forRank(1).keySet()));
  }

  @Test
  void handCheckedRank() {
    // 0.9 and 0.9 beat 0.5: rank 3
    float[] scores = {0.1f, 0.9f, 0.5f, 0.9f};
    int rank = RankingMetrics.rank(scores, 2, "ex");
    assertEquals(3, rank);
    Map<String, Double> m = RankingMetrics.forRank(rank);
    assertEquals(1.0, m.get("hr@5"), EPS);
    assertEquals(0.5, m.get("ndcg@5"), EPS); // 1/log2(4)
    assertEquals(1.0 / 3, m.get("mrr@5"), EPS);
    assertEquals(0.5, m.get("ndcg@20"), EPS);
    assertEquals(1, RankingMetrics.rank(scores, 1, "ex") - 1); // tie with index 3 costs one place
  }

  @Test
  void tiesArePessimistic() {
    float[] constant = new float[50];
    assertEquals(50, RankingMetrics.rank(constant, 0, "ex"));
    assertEquals(50, RankingMetrics.rank(constant, 49, "ex"));
    assertEquals(0.0, RankingMetrics.forRank(50).get("hr@20"), EPS);
    float[] twoTop = {3f, 3f, 1f};
    assertEquals(2, RankingMetrics.rank(twoTop, 0, "ex"));
    assertEquals(2, RankingMetrics.rank(twoTop, 1, "ex"));
    assertEquals(1.0 / Math.log(3) * Math.log(2), RankingMetrics.forRank(2).get("ndcg@5"), EPS);
  }

  @Test
  void cutoffBoundaries() {
    Map<String, Double> r5 = RankingMetrics.forRank(5);
    assertEquals(1.0, r5.get("hr@5"), EPS);
    assertEquals(0.2, r5.get("mrr@5"), EPS);
    assertEquals(1 / (Math.log(6) / Math.log(2)), r5.get("ndcg@5"), EPS);
    Map<String, Double> r6 = RankingMetrics.forRank(6);
    assertEquals(0.0, r6.get("hr@5"), EPS);
    assertEquals(0.0, r6.get("ndcg@5"), EPS);
    assertEquals(0.0, r6.get("mrr@5"), EPS);
    assertEquals(1.0, r6.get("hr@10"), EPS);
    assertEquals(1.0 / 6, r6.get("mrr@10"), EPS);
    Map<String, Double> r20 = RankingMetrics.forRank(20);
    assertEquals(0.0, r20.get("hr@10"), EPS);
    assertEquals(1.0, r20.get("hr@20"), EPS);
    assertEquals(0.05, r20.get("mrr@20"), EPS);
  }

  @Test
  void rank25IsAllZero() {
    float[] s = new float[30];
    for (int i = 0; i < s.length; i++) {
      s[i] = 30 - i; // index i has rank i+1
    }
    assertEquals(25, RankingMetrics.rank(s, 24, "ex"));
    for (double v : RankingMetrics.forRank(25).values()) {
      assertEquals(0.0, v, 0.0);
    }
  }

  @Test
  void nanIsAnErrorNamingTheExample() {
    float[] s = {0.1f, Float.NaN, 0.3f};
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RankingMetrics.rank(s, 0, "example 7 (user u9)"));
    assertTrue(e.getMessage().contains("example 7 (user u9)"), e.getMessage());
    assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> RankingMetrics.rank(s, 1, "ex"));
    assertThrows(IllegalArgumentException.class, () -> RankingMetrics.rankAmong(s, 0, new int[] {1}, "ex"));
  }

  @Test
  void rankAmongCandidatesOnly() {
    float[] s = {5f, 9f, 4f, 8f, 4f, 1f};
    // target 2 (4.0) against {5, 4}: 1.0 below, 4.0 tied -> rank 2
    assertEquals(2, RankingMetrics.rankAmong(s, 2, new int[] {5, 4}, "ex"));
    assertEquals(4, RankingMetrics.rankAmong(s, 2, new int[] {0, 1, 3}, "ex"));
    assertEquals(1, RankingMetrics.rankAmong(s, 2, new int[] {}, "ex"));
    assertThrows(IllegalArgumentException.class, () -> RankingMetrics.rankAmong(s, 2, new int[] {2}, "ex"));
  }

  @Test
  void badRanksAndTargets() {
    assertThrows(IllegalArgumentException.class, () -> RankingMetrics.forRank(0));
    assertThrows(IllegalArgumentException.class, () -> RankingMetrics.rank(new float[3], 3, "ex"));
  }

  @Test
  void accumulatorAverages() {
    MetricAccumulator acc = new MetricAccumulator();
    assertThrows(IllegalStateException.class, acc::means);
    acc.add(1);
    acc.add(3);
    acc.add(25);
    acc.add(7);
    assertEquals(4, acc.count());
    Map<String, Double> m = acc.means();
    assertEquals(RankingMetrics.KEYS, List.copyOf(m.keySet()));
    assertEquals(0.5, m.get("hr@5"), EPS);
    assertEquals(0.75, m.get("hr@10"), EPS);
    assertEquals((1 + 1.0 / 3) / 4, m.get("mrr@5"), EPS);
    assertEquals((1 + 1.0 / 3 + 1.0 / 7) / 4, m.get("mrr@20"), EPS);
    assertEquals((1 + 0.5 + 1 / (Math.log(8) / Math.log(2))) / 4, m.get("ndcg@10"), EPS);
  }
}
