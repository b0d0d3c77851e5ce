package org.gemsj.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.gemsj.data.Example;
import org.gemsj.data.Item;
import org.gemsj.data.Task;
import org.junit.jupiter.api.Test;

/** Item-to-item transitions, word match by popularity and BM25 with a popularity prior, on hand-checked cases. */
class SimpleBaselinesTest {
  private static final List<Item> SHOP = List.of(
      new Item("a", "trail running shoes", "", List.of("shoes")),
      new Item("b", "road running shoes", "", List.of("shoes")),
      new Item("c", "rain jacket", "", List.of("jackets")),
      new Item("d", "wool socks", "", List.of("socks")),
      new Item("e", "running socks", "", List.of("socks")));

  private static Example rec(String user, List<String> history, String target) {
    return new Example(user, Task.REC, history, null, target, 0);
  }

  private static Example search(String user, String query, String target) {
    return new Example(user, Task.SEARCH, List.of(), query, target, 0);
  }

  // targets: b x3, d x2, a x1 (both tasks count); transitions a->c x2, a->d x1, c->a x1
  private static final List<Example> TRAIN = List.of(
      rec("u1", List.of("a"), "c"), rec("u2", List.of("b", "a"), "c"), rec("u3", List.of("a"), "d"),
      rec("u4", List.of("c"), "a"), rec("u5", List.of(), "b"), search("u6", "shoes", "b"),
      search("u7", "shoes", "b"), rec("u8", List.of(), "d"));

  @Test
  void transitionsCountTheNextItemAfterTheLastOneThenPopularity() {
    TransitionScorer s = new TransitionScorer(SHOP, TRAIN);
    // popularity: a 1, b 3, c 2, d 2, e 0 -> backoff = count / 4
    float[] afterA = s.scores(List.of(rec("x", List.of("e", "a"), "c")))[0];
    assertArrayEquals(new float[] {0.25f, 0.75f, 2 + 0.5f, 1 + 0.5f, 0f}, afterA, 1e-6f);
    assertEquals(1, RankingMetrics.rank(afterA, 2, "a->c"));
    // only the newest item counts: history (a, c) follows c
    float[] afterC = s.scores(List.of(rec("x", List.of("a", "c"), "a")))[0];
    assertArrayEquals(new float[] {1 + 0.25f, 0.75f, 0.5f, 0.5f, 0f}, afterC, 1e-6f);
    // no history, or a newest item never followed by anything: popularity alone
    float[] none = s.scores(List.of(rec("x", List.of(), "b"), rec("x", List.of("e"), "b")))[1];
    assertArrayEquals(new float[] {0.25f, 0.75f, 0.5f, 0.5f, 0f}, none, 1e-6f);
    assertEquals(List.of(Task.REC), List.copyOf(s.tasks()));
  }

  @Test
  void transitionsRefuseUnknownTrainingItems() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new TransitionScorer(SHOP, List.of(rec("u9", List.of("zz"), "a"))));
    assertTrue(e.getMessage().contains("'zz'") && e.getMessage().contains("u9"), e.getMessage());
  }

  @Test
  void wordMatchRanksItemsHoldingMoreQueryWordsFirstThenByPopularity() throws Exception {
    try (Bm25Scorer bm25 = new Bm25Scorer(SHOP)) {
      LexicalPopularityScorer s = new LexicalPopularityScorer(SHOP, TRAIN, bm25);
      // "running shoes": a and b hold both words (b more popular), e holds one, c and d none;
      // "waterproof" is in no item and is ignored
      float[] row = s.scores(List.of(search("x", "waterproof running shoes", "a")))[0];
      assertArrayEquals(new float[] {2 + 0.25f, 2 + 0.75f, 0.5f, 0.5f, 1f}, row, 1e-6f);
      assertEquals(2, RankingMetrics.rank(row, 0, "a"));
      assertEquals(1, RankingMetrics.rank(row, 1, "b"));
      assertEquals(3, RankingMetrics.rank(row, 4, "e"));
      // stemming: "socks" matches "sock"; a repeated word counts once
      float[] socks = s.scores(List.of(search("x", "sock sock", "d")))[0];
      assertArrayEquals(new float[] {0.25f, 0.75f, 0.5f, 1.5f, 1f}, socks, 1e-6f);
      assertThrows(IllegalArgumentException.class, () -> s.scores(List.of(rec("x", List.of(), "a"))));
    }
  }

  @Test
  void bm25WithPriorAddsWeightedLogPopularity() throws Exception {
    Random r = new Random(System.nanoTime());
    try (Bm25Scorer bm25 = new Bm25Scorer(SHOP)) {
      double w = 0.1 + r.nextDouble();
      Bm25PopularityScorer s = new Bm25PopularityScorer(bm25, SHOP, TRAIN, w);
      float[] plain = bm25.scoreQuery("running socks");
      float[] row = s.scores(List.of(search("x", "running socks", "e")))[0];
      float[] counts = {1, 3, 2, 2, 0};
      for (int i = 0; i < row.length; i++) {
        double expected = plain[i] + w * Math.log(1 + counts[i]);
        assertEquals(expected, row[i], 1e-5 * Math.max(1, Math.abs(expected)), "item " + i);
      }
      assertThrows(IllegalArgumentException.class, () -> new Bm25PopularityScorer(bm25, SHOP, TRAIN, -1));
      assertThrows(IllegalArgumentException.class, () -> new Bm25PopularityScorer(bm25, SHOP, TRAIN, Double.NaN));
    }
  }

  @Test
  void bm25PriorWeightIsChosenOnValidation() throws Exception {
    try (Bm25Scorer bm25 = new Bm25Scorer(SHOP)) {
      // validation users pick the popular one of two equal text matches: any weight > 0 ranks b first
      List<Example> popular = List.of(search("v1", "running shoes", "b"), search("v2", "shoes", "b"));
      assertEquals(Bm25PopularityScorer.WEIGHTS.get(1),
          Bm25PopularityScorer.tuned(bm25, SHOP, TRAIN, popular, 3).weight());
      // ... they pick the text match over the popular item: a large weight hurts, w = 0 wins
      List<Example> textual = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        textual.add(search("v" + i, "wool socks", "d"));
        textual.add(search("w" + i, "running socks", "e"));
      }
      assertEquals(0.0, Bm25PopularityScorer.tuned(bm25, SHOP, TRAIN, textual, 3).weight());
      // no validation searches: plain BM25
      assertEquals(0.0, Bm25PopularityScorer.tuned(bm25, SHOP, TRAIN, List.of(rec("x", List.of(), "a")), 3).weight());
    }
  }
}
