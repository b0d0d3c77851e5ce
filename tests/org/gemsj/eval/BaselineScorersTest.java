package org.gemsj.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.gemsj.data.Example;
import org.gemsj.data.Item;
import org.gemsj.data.Task;
import org.junit.jupiter.api.Test;

class BaselineScorersTest {
  // documents are the titles alone (no categories, no text)
  private static final List<Item> FOOD = List.of(
      new Item("d0", "red apple pie", "", List.of()),
      new Item("d1", "green apple apple tart", "", List.of()),
      new Item("d2", "banana bread", "", List.of()),
      new Item("d3", "chocolate cake with banana", "", List.of()));

  /** Lucene 9 BM25: idf * tf / (tf + k1 (1 - b + b dl / avgdl)), idf = ln(1 + (N - n + 0.5) / (n + 0.5)). */
  private static double bm25(double tf, double dl, double avgdl, long n, long docFreq) {
    double idf = Math.log(1 + (n - docFreq + 0.5) / (docFreq + 0.5));
    return idf * tf / (tf + 1.2 * (1 - 0.75 + 0.75 * dl / avgdl));
  }

  @Test
  void analyzerStemsAndDropsStopwords() throws Exception {
    try (Bm25Scorer s = new Bm25Scorer(FOOD)) {
      assertEquals(List.of("chocol", "cake", "banana"), s.analyze("chocolate cake with banana"));
      assertEquals(List.of("green", "appl", "appl", "tart"), s.analyze("green apple apple tart"));
    }
  }

  @Test
  void scoresMatchClosedFormBm25() throws Exception {
    try (Bm25Scorer s = new Bm25Scorer(FOOD)) {
      // lengths after analysis: 3, 4, 2, 3 -> avgdl 3; "appl" is in 2 of 4 documents
      float[] apple = s.scoreQuery("apples");
      assertEquals(bm25(2, 4, 3, 4, 2), apple[1], 1e-4 * apple[1]);
      assertEquals(bm25(1, 3, 3, 4, 2), apple[0], 1e-4 * apple[0]);
      assertEquals(0f, apple[2]);
      assertEquals(0f, apple[3]);
      assertEquals(Math.log(2) * 2 / 3.5, apple[1], 1e-4); // the same, by hand
      // two terms add up: "pie" is only in d0
      float[] applePie = s.scoreQuery("Apple PIE!");
      assertEquals(bm25(1, 3, 3, 4, 2) + bm25(1, 3, 3, 4, 1), applePie[0], 1e-4 * applePie[0]);
      // a repeated query term weighs twice
      assertEquals(2 * apple[1], s.scoreQuery("apple apple")[1], 1e-6);
    }
  }

  @Test
  void itemWithTheQueryTermsRanksFirst() throws Exception {
    try (Bm25Scorer s = new Bm25Scorer(FOOD)) {
      Example q = new Example("u", Task.SEARCH, List.of(), "banana bread recipe", "d2", 0);
      float[][] scores = s.scores(List.of(q));
      assertEquals(1, RankingMetrics.rank(scores[0], 2, "q"));
      assertTrue(scores[0][3] > 0 && scores[0][3] < scores[0][2]);
      EvalResult r = new Evaluator().evaluate(FOOD, List.of(q,
          new Example("u", Task.REC, List.of(), null, "d0", 0)), s, 0);
      assertEquals(Set.of(Task.SEARCH), r.full().keySet()); // rec left out, not scored
      assertEquals(1.0, r.full().get(Task.SEARCH).get("mrr@5"), 1e-12);
    }
  }

  @Test
  void queryTextIsNeverParsed() throws Exception {
    try (Bm25Scorer s = new Bm25Scorer(FOOD)) {
      float[] odd = s.scoreQuery("apple AND (pie OR \"* ~2 ^ title:[a TO z] \\");
      assertTrue(odd[0] > odd[1] && odd[1] > 0);
      assertArrayEquals(new float[4], s.scoreQuery("the and of ...")); // stopwords only
      assertArrayEquals(new float[4], s.scoreQuery(""));
      Example rec = new Example("u", Task.REC, List.of(), null, "d0", 0);
      assertThrows(IllegalArgumentException.class, () -> s.scores(List.of(rec)));
    }
  }

  @Test
  void scoresFollowCatalogueOrderOnLargerIndex() throws Exception {
    // item k alone mentions "wordk": its score lands at index k whatever Lucene's doc order
    List<Item> items = new java.util.ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      items.add(new Item("x" + i, "shared word" + i, "", List.of()));
    }
    try (Bm25Scorer s = new Bm25Scorer(items)) {
      for (int k : new int[] {0, 1234, 2999}) {
        float[] sc = s.scoreQuery("word" + k);
        assertEquals(1, RankingMetrics.rank(sc, k, "k"));
        assertEquals(0f, sc[(k + 1) % 3000]);
      }
    }
  }

  @Test
  void popularityCountsTrainingTargets() {
    List<Item> items = EvaluatorTest.catalogue(4);
    PopularityScorer p = new PopularityScorer(items, List.of("i1", "i1", "i2", "i1", "i2", "i0"));
    assertArrayEquals(new float[] {1, 3, 2, 0}, p.counts());
    assertEquals(Set.of(Task.REC), p.tasks());
    List<Example> ex = List.of(EvaluatorTest.rec("a", "i1"), EvaluatorTest.rec("b", "i3"),
        EvaluatorTest.rec("c", "i0"));
    float[][] s = p.scores(ex);
    assertEquals(1, RankingMetrics.rank(s[0], 1, "a"));
    assertEquals(4, RankingMetrics.rank(s[1], 3, "b"));
    assertEquals(3, RankingMetrics.rank(s[2], 0, "c"));
    s[0][0] = 99; // rows are independent copies
    assertEquals(1f, p.scores(ex)[0][0]);
    EvalResult r = new Evaluator().evaluate(items, ex, p, 0);
    assertEquals((1 + 0.25 + 1.0 / 3) / 3, r.full().get(Task.REC).get("mrr@5"), 1e-12);

    Example train = new Example("t", Task.SEARCH, List.of(), "q", "i3", 0);
    assertArrayEquals(new float[] {0, 0, 0, 1},
        PopularityScorer.fromTrainTargets(items, List.of(train)).counts());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new PopularityScorer(items, List.of("zz9")));
    assertTrue(e.getMessage().contains("zz9"));
  }
}
