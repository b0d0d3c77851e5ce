package org.gemsj.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.data.Example;
import org.gemsj.data.Item;
import org.gemsj.data.Task;
import org.gemsj.nativeops.NativeLibrary;
import org.gemsj.torch.Tensors;
import org.junit.jupiter.api.Test;

class SasRecScorerTest {
  /** i0 .. i4 form the cycle i0 -> i1 -> ... -> i4 -> i0; i5 never occurs. */
  private static final List<Item> ITEMS = EvaluatorTest.catalogue(6);
  private static final int CYCLE = 5;

  private static final SasRecScorer.Options SMALL = new SasRecScorer.Options(32, 1, 2, 0.1, 0, 5e-3, 0.0, 32, 40, 400, 7);

  private static Example rec(String user, List<String> history, String target) {
    return new Example(user, Task.REC, history, null, target, 0);
  }

  /** Walks along the cycle from random starts; every event after the first is a training example. */
  private static List<Example> cycleExamples(int users, long seed) {
    Random r = new Random(seed);
    List<Example> out = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      int start = r.nextInt(CYCLE), len = 3 + r.nextInt(8);
      List<String> walk = new ArrayList<>();
      for (int j = 0; j < len; j++) {
        walk.add("i" + (start + j) % CYCLE);
      }
      for (int j = 1; j < len; j++) {
        out.add(rec("u" + u, walk.subList(Math.max(0, j - 6), j), walk.get(j)));
      }
    }
    return out;
  }

  /** Held-out histories (other users, other lengths) whose target is the successor of the last item. */
  private static List<Example> heldOut() {
    List<Example> out = new ArrayList<>();
    Random r = new Random(99);
    for (int u = 0; u < 20; u++) {
      int start = r.nextInt(CYCLE), len = 1 + r.nextInt(6);
      List<String> h = new ArrayList<>();
      for (int j = 0; j < len; j++) {
        h.add("i" + (start + j) % CYCLE);
      }
      out.add(rec("held" + u, h, "i" + (start + len) % CYCLE));
    }
    return out;
  }

  @Test
  void learnsTheNextItemOfACycleWherePopularityCannot() {
    List<Example> train = cycleExamples(60, 1);
    List<Example> test = heldOut();
    SasRecScorer s = SasRecScorer.train(ITEMS, train, SMALL, null);
    assertEquals("sasrec", s.name());
    assertEquals(Set.of(Task.REC), s.tasks());
    assertEquals(6, s.maxLength()); // the longest training history
    assertTrue(s.trainedSteps() > 0 && s.trainedSteps() <= SMALL.maxSteps());
    assertTrue(s.lastEpochLoss() < 0.1, "final loss " + s.lastEpochLoss());

    EvalResult sas = new Evaluator().evaluate(ITEMS, test, s, 0);
    EvalResult pop = new Evaluator().evaluate(ITEMS, test, PopularityScorer.fromTrainTargets(ITEMS, train), 0);
    // MRR@5 = 1 exactly when every target ranks first (HR@1 = 1)
    assertEquals(1.0, sas.full().get(Task.REC).get("mrr@5"), 1e-12);
    assertTrue(pop.full().get(Task.REC).get("mrr@5") < 0.6, "popularity " + pop.full());

    // an empty history (START alone) still gets finite scores
    float[][] rows = s.scores(List.of(test.get(0), rec("new", List.of(), "i0")));
    for (float[] row : rows) {
      assertEquals(6, row.length);
      for (float v : row) {
        assertTrue(Float.isFinite(v), Arrays.toString(row));
      }
    }
  }

  @Test
  void sameSeedSameScoresOtherSeedOtherScores() {
    List<Example> train = cycleExamples(20, 2);
    List<Example> probe = heldOut().subList(0, 4);
    SasRecScorer.Options o = SMALL.withBudget(2, 30);
    float[][] a = SasRecScorer.train(ITEMS, train, o, null).scores(probe);
    float[][] b = SasRecScorer.train(ITEMS, train, o, null).scores(probe);
    float[][] c = SasRecScorer.train(ITEMS, train, o.withSeed(8), null).scores(probe);
    for (int r = 0; r < a.length; r++) {
      assertArrayEquals(a[r], b[r]); // exact, bit for bit
      assertFalse(Arrays.equals(a[r], c[r]));
    }
  }

  @Test
  void forwardPassMatchesAnIndependentComputation() {
    List<Item> items = EvaluatorTest.catalogue(7);
    SasRecScorer.Options o = SMALL.withShape(8, 2, 2);
    SasRecScorer s = SasRecScorer.untrained(items, o, 4);
    try (NoGradGuard g = new NoGradGuard(); PointerScope scope = new PointerScope()) {
      torch.manual_seed(123); // fresh weights everywhere: unit norms and zero biases would hide mistakes
      for (Tensor p : s.parameters().values()) {
        p.add_(torch.randn_like(p).mul(new Scalar(0.5)));
      }
    }
    Map<String, float[]> w = new java.util.HashMap<>();
    s.parameters().forEach((k, v) -> w.put(k, Tensors.toFloats(v)));
    // lengths 2, 4, 0 and 6 (> maxLength 4: the last four count) in one batch, so padding differs
    List<List<String>> histories = List.of(List.of("i3", "i1"), List.of("i0", "i6", "i6", "i2"), List.of(),
        List.of("i5", "i4", "i3", "i2", "i1", "i0"));
    List<Example> batch = new ArrayList<>();
    for (List<String> h : histories) {
      batch.add(rec("u", h, "i0"));
    }
    float[][] got = s.scores(batch);
    for (int b = 0; b < histories.size(); b++) {
      double[] want = Reference.scores(w, histories.get(b), 8, 2, 2, 4, 7);
      for (int i = 0; i < 7; i++) {
        assertEquals(want[i], got[b][i], 1e-4 * Math.max(1, Math.abs(want[i])), "history " + b + " item " + i);
      }
    }
    // alone in a batch (no padding) the scores are the same
    float[] alone = s.scores(List.of(batch.get(0)))[0];
    for (int i = 0; i < 7; i++) {
      assertEquals(got[0][i], alone[i], 1e-5f);
    }
  }

  @Test
  void laterItemsDoNotChangeEarlierStates() {
    SasRecScorer s = SasRecScorer.train(ITEMS, cycleExamples(20, 3), SMALL.withBudget(1, 10), null);
    float[][] a = s.positionStates(List.of("i0", "i1", "i2", "i3"));
    float[][] b = s.positionStates(List.of("i0", "i1", "i2", "i5"));
    float[][] c = s.positionStates(List.of("i0", "i4", "i2", "i3"));
    assertEquals(5, a.length); // START + 4 items
    for (int j = 0; j < 4; j++) {
      assertArrayEquals(a[j], b[j], 1e-6f, "position " + j);
    }
    assertTrue(maxDiff(a[4], b[4]) > 1e-3);
    assertArrayEquals(a[0], c[0], 1e-6f);
    assertArrayEquals(a[1], c[1], 1e-6f);
    for (int j = 2; j < 5; j++) { // changing item 2 (position 2) changes it and every later state
      assertTrue(maxDiff(a[j], c[j]) > 1e-3, "position " + j);
    }
  }

  @Test
  void badInputIsRejectedByName() {
    List<Example> good = cycleExamples(5, 4);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SasRecScorer.train(ITEMS, List.of(), SMALL, null));
    assertTrue(e.getMessage().contains("rec training examples"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> SasRecScorer.train(ITEMS,
        List.of(new Example("u", Task.SEARCH, List.of(), "q", "i1", 0)), SMALL, null));
    assertTrue(e.getMessage().contains("none of task rec"), e.getMessage());

    List<Example> badTarget = new ArrayList<>(good);
    badTarget.add(rec("zed", List.of("i1"), "nope7"));
    e = assertThrows(IllegalArgumentException.class, () -> SasRecScorer.train(ITEMS, badTarget, SMALL, null));
    assertTrue(e.getMessage().contains("'nope7'") && e.getMessage().contains("zed"), e.getMessage());
    List<Example> badHistory = new ArrayList<>(good);
    badHistory.add(0, rec("yan", List.of("i1", "ghost3"), "i2"));
    e = assertThrows(IllegalArgumentException.class, () -> SasRecScorer.train(ITEMS, badHistory, SMALL, null));
    assertTrue(e.getMessage().contains("'ghost3'") && e.getMessage().contains("example 0"), e.getMessage());

    e = assertThrows(IllegalArgumentException.class, () -> SMALL.withShape(30, 1, 4));
    assertTrue(e.getMessage().contains("heads"), e.getMessage());

    SasRecScorer s = SasRecScorer.train(ITEMS, good, SMALL.withBudget(1, 2), null);
    e = assertThrows(IllegalArgumentException.class,
        () -> s.scores(List.of(rec("a", List.of("i0"), "i1"), rec("b", List.of("i0", "phantom"), "i1"))));
    assertTrue(e.getMessage().contains("'phantom'") && e.getMessage().contains("example 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> s.scores(List.of(new Example("c", Task.SEARCH, List.of(), "q", "i1", 0))));
    assertTrue(e.getMessage().contains("search"), e.getMessage());
  }

  /**
   * Training and scoring free every step's and batch's temporaries: a catalogue of 1,500 items
   * and histories of 20 make one step's or one batch's tensors several MB, so a leak of them
   * would add hundreds of MB below (the bounds leave room for allocator and JIT noise); the native heap is read once per epoch through the log.
   */
  @Test
  void trainingAndScoringKeepNativeMemoryFlat() {
    List<Item> items = EvaluatorTest.catalogue(1500);
    Random r = new Random(6);
    List<Example> train = new ArrayList<>();
    for (int e = 0; e < 256; e++) {
      List<String> h = new ArrayList<>();
      for (int j = 0; j < 20; j++) {
        h.add("i" + r.nextInt(1500));
      }
      train.add(rec("u" + e, h, "i" + r.nextInt(1500)));
    }
    List<Long> heap = new ArrayList<>();
    java.io.PrintStream log = new java.io.PrintStream(new java.io.OutputStream() {
      @Override
      public void write(int b) {
        if (b == '\n') {
          heap.add(NativeLibrary.nativeHeapBytes());
        }
      }
    }, true);
    SasRecScorer.Options o = new SasRecScorer.Options(64, 2, 2, 0.2, 0, 1e-3, 0.01, 64, 20, 1000, 1);
    SasRecScorer s = SasRecScorer.train(items, train, o, log);
    assertEquals(80, s.trainedSteps());
    assertEquals(20, heap.size());
    // after 5 epochs of warm-up (allocator pools, JIT), the highest reading of the next 60 steps
    long trainGrowth = heap.subList(5, 20).stream().mapToLong(Long::longValue).max().getAsLong() - heap.get(4);
    for (int i = 0; i < 30; i++) {
      s.scores(train.subList(0, 64)); // warm-up
    }
    long before = NativeLibrary.nativeHeapBytes(), highest = before;
    for (int block = 0; block < 4; block++) {
      for (int i = 0; i < 25; i++) {
        s.scores(train.subList(0, 64));
      }
      highest = Math.max(highest, NativeLibrary.nativeHeapBytes());
    }
    long scoreGrowth = highest - before;
    System.out.printf("native heap: %+d KiB over 60 training steps, %+d KiB over 100 scoring batches%n",
        trainGrowth >> 10, scoreGrowth >> 10);
    assertTrue(heap.get(4) > 0, "the C library reports no native heap");
    assertTrue(trainGrowth < 24L << 20, "native heap grew by " + (trainGrowth >> 10) + " KiB in training");
    assertTrue(scoreGrowth < 24L << 20, "native heap grew by " + (scoreGrowth >> 10) + " KiB in scoring");
  }

  private static double maxDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  /**
   * SASRec's forward pass for one history in plain Java doubles, position by position: each
   * query attends to the keys up to itself by a loop (no masks), nothing is padded.
   */
  static final class Reference {
    static double[] scores(Map<String, float[]> w, List<String> history, int width, int blocks, int heads,
        int maxLength, int n) {
      List<String> kept = history.subList(Math.max(0, history.size() - maxLength), history.size());
      int len = kept.size() + 1;
      double[][] x = new double[len][];
      for (int j = 0; j < len; j++) {
        int token = j == 0 ? n + 1 : Integer.parseInt(kept.get(j - 1).substring(1));
        int position = maxLength + 1 - len + j;
        x[j] = new double[width];
        for (int d = 0; d < width; d++) {
          x[j][d] = w.get("item_embedding")[token * width + d] * Math.sqrt(width)
              + w.get("position_embedding")[position * width + d];
        }
      }
      int hd = width / heads;
      for (int l = 0; l < blocks; l++) {
        String p = "block." + l + ".";
        double[][] q = new double[len][], k = new double[len][], v = new double[len][];
        for (int j = 0; j < len; j++) {
          double[] h = layerNorm(x[j], w.get(p + "attention_norm.weight"), w.get(p + "attention_norm.bias"));
          q[j] = affine(w, p + "attention.query", h);
          k[j] = affine(w, p + "attention.key", h);
          v[j] = affine(w, p + "attention.value", h);
        }
        double[][] next = new double[len][];
        for (int j = 0; j < len; j++) {
          double[] context = new double[width];
          for (int head = 0; head < heads; head++) {
            double[] e = new double[j + 1];
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int i = 0; i <= j; i++) {
              for (int d = head * hd; d < (head + 1) * hd; d++) {
                e[i] += q[j][d] * k[i][d];
              }
              e[i] /= Math.sqrt(hd);
              max = Math.max(max, e[i]);
            }
            for (int i = 0; i <= j; i++) {
              e[i] = Math.exp(e[i] - max);
              sum += e[i];
            }
            for (int i = 0; i <= j; i++) {
              for (int d = head * hd; d < (head + 1) * hd; d++) {
                context[d] += e[i] / sum * v[i][d];
              }
            }
          }
          double[] y = add(x[j], affine(w, p + "attention.output", context));
          double[] h = layerNorm(y, w.get(p + "ffn_norm.weight"), w.get(p + "ffn_norm.bias"));
          double[] hidden = affine(w, p + "ffn.in", h);
          for (int d = 0; d < width; d++) {
            hidden[d] = Math.max(0, hidden[d]);
          }
          next[j] = add(y, affine(w, p + "ffn.out", hidden));
        }
        x = next;
      }
      double[] last = layerNorm(x[len - 1], w.get("final_norm.weight"), w.get("final_norm.bias"));
      double[] out = new double[n];
      for (int i = 0; i < n; i++) {
        for (int d = 0; d < width; d++) {
          out[i] += last[d] * w.get("item_embedding")[i * width + d];
        }
      }
      return out;
    }

    private static double[] layerNorm(double[] x, float[] gain, float[] bias) {
      double mean = 0, var = 0;
      for (double v : x) {
        mean += v / x.length;
      }
      for (double v : x) {
        var += (v - mean) * (v - mean) / x.length;
      }
      double[] out = new double[x.length];
      for (int d = 0; d < x.length; d++) {
        out[d] = (x[d] - mean) / Math.sqrt(var + 1e-5) * gain[d] + bias[d];
      }
      return out;
    }

    /** W x + b with W [out, in] row-major. */
    private static double[] affine(Map<String, float[]> w, String module, double[] x) {
      float[] weight = w.get(module + ".weight"), bias = w.get(module + ".bias");
      double[] out = new double[bias.length];
      for (int o = 0; o < out.length; o++) {
        out[o] = bias[o];
        for (int i = 0; i < x.length; i++) {
          out[o] += weight[o * x.length + i] * x[i];
        }
      }
      return out;
    }

    private static double[] add(double[] a, double[] b) {
      double[] out = a.clone();
      for (int i = 0; i < out.length; i++) {
        out[i] += b[i];
      }
      return out;
    }
  }
}
