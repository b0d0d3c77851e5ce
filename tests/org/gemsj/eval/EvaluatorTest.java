package org.gemsj.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;
import org.gemsj.data.Example;
import org.gemsj.data.Item;
import org.gemsj.data.Task;
import org.junit.jupiter.api.Test;

class EvaluatorTest {
  private static final double EPS = 1e-12;

  static List<Item> catalogue(int n) {
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      items.add(new Item("i" + i, "item " + i, "", List.of()));
    }
    return items;
  }

  static Example rec(String user, String target) {
    return new Example(user, Task.REC, List.of(), null, target, 0);
  }

  static Example search(String user, String query, String target) {
    return new Example(user, Task.SEARCH, List.of(), query, target, 0);
  }

  /** Every item gets score -|index - f(example)|: the item f(example) is first, neighbours next. */
  static Scorer peakAt(int n, ToIntFunction<Example> f, List<Integer> batchSizes) {
    return new Scorer() {
      @Override
      public String name() {
        return "peak";
      }

      @Override
      public float[][] scores(List<Example> batch) {
        batchSizes.add(batch.size());
        float[][] out = new float[batch.size()][n];
        for (int b = 0; b < batch.size(); b++) {
          int p = f.applyAsInt(batch.get(b));
          for (int i = 0; i < n; i++) {
            out[b][i] = -Math.abs(i - p);
          }
        }
        return out;
      }
    };
  }

  static int idx(String id) {
    return Integer.parseInt(id.substring(1));
  }

  @Test
  void negativesAreUniformDistinctAndDeterministic() {
    int[] a = NegativeSampler.negatives(1000, 17, 42, 3);
    assertEquals(99, a.length);
    Set<Integer> set = new HashSet<>();
    for (int v : a) {
      assertTrue(v >= 0 && v < 1000);
      assertNotEquals(17, v);
      set.add(v);
    }
    assertEquals(99, set.size());
    assertArrayEquals(a, NegativeSampler.negatives(1000, 17, 42, 3));
    assertFalse(Arrays.equals(a, NegativeSampler.negatives(1000, 17, 43, 3)));
    assertFalse(Arrays.equals(a, NegativeSampler.negatives(1000, 17, 42, 4)));
    // every non-target index reachable, each about equally often (99/999 per draw)
    int[] hits = new int[200];
    for (int p = 0; p < 4000; p++) {
      for (int v : NegativeSampler.negatives(200, 0, 7, p)) {
        hits[v]++;
      }
    }
    assertEquals(0, hits[0]);
    double expect = 4000 * 99 / 199.0;
    for (int i = 1; i < 200; i++) {
      assertTrue(Math.abs(hits[i] - expect) < 0.1 * expect, "index " + i + ": " + hits[i]);
    }
  }

  @Test
  void smallCatalogueUsesAllOtherItems() {
    int[] a = NegativeSampler.negatives(40, 5, 1, 0);
    assertEquals(39, a.length);
    Set<Integer> set = new HashSet<>();
    for (int v : a) {
      set.add(v);
    }
    assertEquals(39, set.size());
    assertFalse(set.contains(5));
    assertEquals(99, NegativeSampler.negatives(100, 99, 1, 0).length);
    assertEquals(0, NegativeSampler.negatives(1, 0, 1, 0).length);
  }

  @Test
  void perfectAndOffByOneScorers() {
    int n = 300;
    List<Item> items = catalogue(n);
    List<Example> ex = new ArrayList<>();
    for (int i = 0; i < 70; i++) {
      ex.add(i % 2 == 0 ? rec("u" + i, "i" + (i * 3)) : search("u" + i, "q", "i" + (i * 3)));
    }
    List<Integer> sizes = new ArrayList<>();
    EvalResult perfect = new Evaluator(8, null).evaluate(items, ex, peakAt(n, e -> idx(e.target()), sizes), 1);
    assertEquals("peak", perfect.scorer());
    for (Task t : Task.values()) {
      assertEquals(35L, perfect.counts().get(t));
      for (double v : perfect.full().get(t).values()) {
        assertEquals(1.0, v, EPS);
      }
      for (double v : perfect.sampled().get(t).values()) {
        assertEquals(1.0, v, EPS);
      }
    }
    // batches are single-task and at most 8: 35 = 4*8 + 3 per task
    assertEquals(List.of(8, 8, 8, 8, 3, 8, 8, 8, 8, 3), sizes);

    // peak one to the right of the target (never at the right edge here): the peak item beats the
    // target and the item two to the right ties it, so the full rank is 3
    Scorer offByOne = peakAt(n, e -> idx(e.target()) + 1, new ArrayList<>());
    EvalResult off = new Evaluator().evaluate(items, ex, offByOne, 1);
    Map<String, Double> full = off.full().get(Task.REC);
    assertEquals(1.0, full.get("hr@5"), EPS);
    assertEquals(1.0 / 3, full.get("mrr@5"), EPS);
    assertEquals(0.5, full.get("ndcg@5"), EPS);
  }

  @Test
  void sampledRankMatchesHandComputation() {
    int n = 500;
    List<Item> items = catalogue(n);
    // scores = index, so the target's sampled rank is 1 + #negatives with a larger index
    Scorer byIndex = new Scorer() {
      @Override
      public String name() {
        return "index";
      }

      @Override
      public float[][] scores(List<Example> batch) {
        float[][] out = new float[batch.size()][n];
        for (float[] row : out) {
          for (int i = 0; i < n; i++) {
            row[i] = i;
          }
        }
        return out;
      }
    };
    List<Example> ex = List.of(rec("a", "i470"), search("b", "q", "i499"), rec("c", "i480"));
    EvalResult r = new Evaluator().evaluate(items, ex, byIndex, 99);
    MetricAccumulator expectRec = new MetricAccumulator();
    for (int pos : new int[] {0, 2}) {
      int target = idx(ex.get(pos).target());
      int rank = 1;
      for (int v : NegativeSampler.negatives(n, target, 99, pos)) {
        rank += v > target ? 1 : 0;
      }
      expectRec.add(rank);
    }
    assertEquals(expectRec.means(), r.sampled().get(Task.REC));
    assertTrue(expectRec.means().get("mrr@20") > 0.05); // ranks near 7 and 5: a real comparison
    assertEquals(1.0, r.sampled().get(Task.SEARCH).get("hr@5"), EPS);
    // full: ranks 30 and 20
    assertEquals(0.5, r.full().get(Task.REC).get("hr@20"), EPS);
    assertEquals(0.5 / 20, r.full().get(Task.REC).get("mrr@20"), EPS);
    assertEquals(0.0, r.full().get(Task.REC).get("hr@10"), EPS);
    assertEquals(1.0, r.full().get(Task.SEARCH).get("mrr@5"), EPS);
    // another seed draws other negatives: the rec sampled numbers move
    EvalResult r2 = new Evaluator().evaluate(items, ex, byIndex, 100);
    assertEquals(r.full(), r2.full());
    assertNotEquals(r.sampled().get(Task.REC), r2.sampled().get(Task.REC));
    assertEquals(r.sampled(), new Evaluator(1, null).evaluate(items, ex, byIndex, 99).sampled());
  }

  @Test
  void taskWithoutExamplesIsAbsent() {
    List<Item> items = catalogue(10);
    EvalResult r = new Evaluator().evaluate(items, List.of(rec("u", "i3")),
        peakAt(10, e -> 3, new ArrayList<>()), 0);
    assertEquals(Set.of(Task.REC), r.full().keySet());
    assertEquals(Set.of(Task.REC), r.sampled().keySet());
    assertEquals(Map.of("rec", 1L), r.countsByWire());
    assertFalse(r.fullByWire().containsKey("search"));
  }

  @Test
  void constantScorerGetsNothing() {
    List<Item> items = catalogue(30);
    Scorer constant = new Scorer() {
      @Override
      public String name() {
        return "constant";
      }

      @Override
      public float[][] scores(List<Example> batch) {
        return new float[batch.size()][30];
      }
    };
    EvalResult r = new Evaluator().evaluate(items, List.of(rec("u", "i0"), rec("v", "i29")), constant, 0);
    for (double v : r.full().get(Task.REC).values()) {
      assertEquals(0.0, v, 0.0);
    }
    for (double v : r.sampled().get(Task.REC).values()) {
      assertEquals(0.0, v, 0.0);
    }
  }

  @Test
  void unknownItemIdsAreNamed() {
    List<Item> items = catalogue(5);
    Scorer s = peakAt(5, e -> 0, new ArrayList<>());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Evaluator().evaluate(items, List.of(rec("u", "i1"), rec("v", "ghost-7")), s, 0));
    assertTrue(e.getMessage().contains("ghost-7"), e.getMessage());
    Example badHistory = new Example("w", Task.REC, List.of("i1", "nope-3"), null, "i2", 0);
    e = assertThrows(IllegalArgumentException.class,
        () -> new Evaluator().evaluate(items, List.of(badHistory), s, 0));
    assertTrue(e.getMessage().contains("nope-3"), e.getMessage());
  }

  @Test
  void nanScoreNamesTheExample() {
    List<Item> items = catalogue(5);
    Scorer nan = new Scorer() {
      @Override
      public String name() {
        return "nan";
      }

      @Override
      public float[][] scores(List<Example> batch) {
        float[][] out = new float[batch.size()][5];
        out[0][2] = Float.NaN;
        return out;
      }
    };
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Evaluator().evaluate(items, List.of(rec("alice", "i1")), nan, 0));
    assertTrue(e.getMessage().contains("alice") && e.getMessage().contains("NaN"), e.getMessage());
  }

  @Test
  void wrongShapeIsAnError() {
    List<Item> items = catalogue(5);
    Scorer shortRows = new Scorer() {
      @Override
      public String name() {
        return "short";
      }

      @Override
      public float[][] scores(List<Example> batch) {
        return new float[batch.size()][4];
      }
    };
    assertThrows(IllegalStateException.class,
        () -> new Evaluator().evaluate(items, List.of(rec("u", "i1")), shortRows, 0));
  }

  @Test
  void progressAndTaskFilter() {
    List<Item> items = catalogue(20);
    List<Example> ex = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ex.add(search("u" + i, "q", "i" + i));
      ex.add(rec("u" + i, "i" + i));
    }
    Scorer searchOnly = new Scorer() {
      @Override
      public String name() {
        return "s";
      }

      @Override
      public float[][] scores(List<Example> batch) {
        for (Example e : batch) {
          assertEquals(Task.SEARCH, e.task());
        }
        return new float[batch.size()][20];
      }

      @Override
      public Set<Task> tasks() {
        return Set.of(Task.SEARCH);
      }
    };
    List<long[]> calls = new ArrayList<>();
    EvalResult r = new Evaluator(4, (done, total) -> calls.add(new long[] {done, total}))
        .evaluate(items, ex, searchOnly, 0);
    assertEquals(Set.of(Task.SEARCH), r.full().keySet());
    assertEquals(List.of(0L, 4L, 8L, 10L), calls.stream().map(c -> c[0]).toList());
    assertTrue(calls.stream().allMatch(c -> c[1] == 10));
  }

  @Test
  void duplicateCatalogueIdsAreRejected() {
    List<Item> items = new ArrayList<>(catalogue(3));
    items.add(new Item("i1", "again", "", List.of()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Evaluator.itemIndex(items));
    assertTrue(e.getMessage().contains("i1"));
  }
}
