package org.gemsj.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transition table against counts done by hand and by a plain count over random pairs. */
class TransitionPriorTest {
  @TempDir Path dir;

  @Test
  void countsHandCheckedPairs() {
    // 0 -> 2 twice, 0 -> 1 once, 2 -> 0 once; item 1 is never a source
    TransitionPrior t = TransitionPrior.count(3, List.of(new int[] {0, 2}, new int[] {2, 0}, new int[] {0, 1},
        new int[] {0, 2}));
    assertEquals(2, t.count(0, 2));
    assertEquals(1, t.count(0, 1));
    assertEquals(0, t.count(0, 0));
    assertEquals(1, t.count(2, 0));
    assertEquals(0, t.count(1, 0));
    float[] row = new float[5];
    t.logCounts(0, row, 1);
    assertEquals(0f, row[0]); // the offset is left alone
    assertEquals(0f, row[1]);
    assertEquals(Math.log(2), row[2], 1e-6);
    assertEquals(Math.log(3), row[3], 1e-6);
    float[] none = new float[3];
    t.logCounts(-1, none, 0); // no history: no prior
    assertEquals(0f, none[0] + none[1] + none[2]);
  }

  @Test
  void randomPairsMatchAPlainCountAndSurviveSaveLoad() throws IOException {
    Random r = new Random(System.nanoTime());
    for (int n : new int[] {1, 7, 40}) {
      int[][] expected = new int[n][n];
      List<int[]> pairs = new ArrayList<>();
      for (int k = 0; k < 5 * n; k++) {
        int a = r.nextInt(n), b = r.nextInt(n);
        expected[a][b]++;
        pairs.add(new int[] {a, b});
      }
      TransitionPrior t = TransitionPrior.count(n, pairs);
      Path file = dir.resolve("t" + n + ".json");
      t.save(file);
      TransitionPrior loaded = TransitionPrior.load(file, n);
      for (int a = 0; a < n; a++) {
        float[] row = new float[n];
        loaded.logCounts(a, row, 0);
        for (int b = 0; b < n; b++) {
          assertEquals(expected[a][b], t.count(a, b));
          assertEquals(expected[a][b], loaded.count(a, b));
          assertEquals(Math.log1p(expected[a][b]), row[b], 1e-6);
        }
      }
    }
  }

  @Test
  void refusesATableOfAnotherCatalogueOrOutOfOrder() throws IOException {
    Path file = dir.resolve("t.json");
    TransitionPrior.count(4, List.of(new int[] {1, 3})).save(file);
    IOException other = assertThrows(IOException.class, () -> TransitionPrior.load(file, 5));
    assertTrue(other.getMessage().contains("5 items"), other.getMessage());
    Files.writeString(file, "{\"items\":2,\"offsets\":[0,2,2],\"targets\":[1,0],\"counts\":[1,1]}");
    IOException order = assertThrows(IOException.class, () -> TransitionPrior.load(file, 2));
    assertTrue(order.getMessage().contains("out of order"), order.getMessage());
    Files.writeString(file, "{\"items\":2,\"offsets\":[0,1,1],\"targets\":[2],\"counts\":[1]}");
    assertThrows(IOException.class, () -> TransitionPrior.load(file, 2));
  }

  @Test
  void fittedScaleMaximisesTheLeaveOneOutLikelihood() {
    Random r = new Random(System.nanoTime());
    int n = 30;
    float[] bias = new float[n];
    for (int j = 0; j < n; j++) {
      bias[j] = (float) (2 * r.nextGaussian());
    }
    List<int[]> pairs = new ArrayList<>();
    for (int k = 0; k < 400; k++) { // item a is mostly followed by a + 1
      int a = r.nextInt(n);
      pairs.add(new int[] {a, r.nextDouble() < 0.6 ? (a + 1) % n : r.nextInt(n)});
    }
    TransitionPrior t = TransitionPrior.count(n, pairs);
    double best = 0, bestLikelihood = Double.NEGATIVE_INFINITY;
    for (double s = 0; s <= 10; s += 0.005) { // reference: a dense softmax per pair, on a grid
      double total = 0;
      for (int[] p : pairs) {
        double[] logits = new double[n];
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int j = 0; j < n; j++) {
          int count = t.count(p[0], j) - (j == p[1] ? 1 : 0);
          logits[j] = bias[j] + s * Math.log1p(count);
          max = Math.max(max, logits[j]);
        }
        for (double l : logits) {
          sum += Math.exp(l - max);
        }
        total += logits[p[1]] - max - Math.log(sum);
      }
      if (total > bestLikelihood) {
        bestLikelihood = total;
        best = s;
      }
    }
    assertTrue(best > 0.5, "the transitions predict the targets: " + best);
    assertEquals(best, t.fitScale(pairs, bias, 10), 0.01);
    // transitions seen once each say nothing once the example itself is left out: scale 0
    List<int[]> once = new ArrayList<>();
    for (int a = 0; a < n; a++) {
      once.add(new int[] {a, (a + 1) % n});
      once.add(new int[] {a, (a + 2) % n});
    }
    assertEquals(0, TransitionPrior.count(n, once).fitScale(once, bias, 10), 0.01);
  }
}
