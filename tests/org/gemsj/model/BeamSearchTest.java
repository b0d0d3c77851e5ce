package org.gemsj.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Beam search against exhaustive scoring of every identifier, on random tries and logits. */
class BeamSearchTest {
  private final long seed = System.nanoTime();
  private final Random random = new Random(seed);

  /** Logits that depend only on the prefix (a fixed random function of it), like a real decoder. */
  private Function<List<List<Integer>>, float[][]> logits(int vocab) {
    return prefixes -> {
      float[][] out = new float[prefixes.size()][vocab];
      for (int i = 0; i < prefixes.size(); i++) {
        Random r = new Random(prefixes.get(i).hashCode() * 31L + seed);
        for (int v = 0; v < vocab; v++) {
          out[i][v] = (float) (3 * r.nextGaussian());
        }
      }
      return out;
    };
  }

  private static double exhaustiveScore(ItemIds ids, int item, Function<List<List<Integer>>, float[][]> logits) {
    List<Integer> prefix = new ArrayList<>();
    double score = 0;
    for (int token : ids.tokensOf(item)) {
      float[] row = logits.apply(List.of(List.copyOf(prefix)))[0];
      score += row[token] - BeamSearch.logSumExp(row, ids.trie().next(prefix));
      prefix.add(token);
    }
    return score;
  }

  private ItemIds randomSemanticIds(int items, int levels, int codebook) {
    int[][] codes = new int[items][levels];
    for (int[] c : codes) {
      for (int l = 0; l < levels; l++) {
        c[l] = random.nextInt(codebook);
      }
    }
    return ItemIds.semantic(codes, codebook);
  }

  @Test
  void wideBeamEqualsExhaustiveRanking() {
    for (int trial = 0; trial < 5; trial++) {
      ItemIds ids = trial % 2 == 0 ? randomSemanticIds(30 + random.nextInt(40), 2 + random.nextInt(2), 3 + random.nextInt(4))
          : ItemIds.atomic(5 + random.nextInt(50));
      var logits = logits(ids.vocabulary());
      List<Integer> order = new ArrayList<>();
      double[] exact = new double[ids.items()];
      for (int i = 0; i < ids.items(); i++) {
        order.add(i);
        exact[i] = exhaustiveScore(ids, i, logits);
      }
      order.sort(Comparator.comparingDouble(i -> -exact[i]));
      int k = Math.min(10, ids.items());
      // a beam as wide as the catalogue never prunes the best identifiers
      List<BeamSearch.Beam> beams = BeamSearch.search(ids.trie(), ids.depth(), ids.items(), k, logits);
      assertEquals(k, beams.size(), "seed " + seed);
      for (int j = 0; j < k; j++) {
        int item = ids.trie().item(beams.get(j).tokens());
        assertEquals(order.get(j), item, "rank " + j + ", seed " + seed);
        assertEquals(exact[item], beams.get(j).score(), 1e-9 * Math.max(1, Math.abs(exact[item])));
      }
    }
  }

  @Test
  void narrowBeamReturnsOnlyValidDistinctItemsBestFirst() {
    ItemIds ids = randomSemanticIds(80, 3, 4);
    var logits = logits(ids.vocabulary());
    List<BeamSearch.Beam> beams = BeamSearch.search(ids.trie(), ids.depth(), 3, 5, logits);
    assertEquals(3, beams.size()); // k is capped by the beam width
    Set<Integer> seen = new HashSet<>();
    for (int j = 0; j < beams.size(); j++) {
      int item = ids.trie().item(beams.get(j).tokens());
      assertTrue(item >= 0, "invalid identifier " + beams.get(j).tokens());
      assertTrue(seen.add(item));
      assertEquals(exhaustiveScore(ids, item, logits), beams.get(j).score(), 1e-9);
      if (j > 0) {
        assertTrue(beams.get(j - 1).score() >= beams.get(j).score());
      }
    }
  }

  @Test
  void kLargerThanCatalogueReturnsEveryItem() {
    ItemIds ids = ItemIds.atomic(4);
    assertEquals(4, BeamSearch.search(ids.trie(), 1, 10, 10, logits(ids.vocabulary())).size());
  }
}
