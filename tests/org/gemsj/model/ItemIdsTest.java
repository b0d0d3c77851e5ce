package org.gemsj.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Identifier schemes and the residual quantiser behind semantic ids. */
class ItemIdsTest {
  @Test
  void semanticIdsAreUniqueWithSuffixesForCollisions() {
    int[][] codes = {{0, 1}, {0, 1}, {2, 0}, {0, 1}, {2, 1}};
    ItemIds ids = ItemIds.semantic(codes, 3);
    assertEquals(3, ids.suffixes); // three items share (0, 1)
    assertEquals(3, ids.depth());
    assertEquals(1 + 2 * 3 + 3, ids.vocabulary());
    assertArrayEquals(new int[] {1, 5, 7}, ids.tokensOf(0)); // level 0 code 0 -> 1; level 1 code 1 -> 1+3+1; suffix 0 -> 7
    assertArrayEquals(new int[] {1, 5, 8}, ids.tokensOf(1));
    assertArrayEquals(new int[] {1, 5, 9}, ids.tokensOf(3));
    Set<String> distinct = new HashSet<>();
    for (int i = 0; i < codes.length; i++) {
      assertTrue(distinct.add(Arrays.toString(ids.tokensOf(i))));
      assertEquals(i, ids.trie().item(Arrays.stream(ids.tokensOf(i)).boxed().toList()));
    }
    assertArrayEquals(new int[] {5}, ids.trie().next(List.of(1))); // items 0, 1, 3 share level-1 code 1
    assertArrayEquals(new int[] {4, 5}, ids.trie().next(List.of(3))); // items 2 and 4
  }

  @Test
  void atomicIdsAreOneTokenPerItem() {
    ItemIds ids = ItemIds.atomic(7);
    assertEquals(8, ids.vocabulary());
    assertArrayEquals(new int[] {4}, ids.tokensOf(3));
    assertEquals(7, ids.trie().next(List.of()).length);
    assertEquals(-1, ids.trie().item(List.of(0)));
  }

  @Test
  void residualKMeansFindsSeparatedClustersAndIsDeterministic() {
    Random r = new Random(System.nanoTime());
    float[][] centres = {{10, 0, 0}, {0, 10, 0}, {0, 0, 10}};
    float[][] x = new float[60][3];
    int[] truth = new int[60];
    for (int i = 0; i < x.length; i++) {
      truth[i] = i % 3;
      for (int d = 0; d < 3; d++) {
        x[i][d] = centres[truth[i]][d] + (float) (0.3 * r.nextGaussian());
      }
    }
    ResidualKMeans.Result a = ResidualKMeans.fit(x, 2, 3, 30, 5), b = ResidualKMeans.fit(x, 2, 3, 30, 5);
    for (int i = 0; i < x.length; i++) {
      assertArrayEquals(a.codes()[i], b.codes()[i]);
      for (int j = 0; j < x.length; j++) { // level 1 recovers the three clusters exactly
        assertEquals(truth[i] == truth[j], a.codes()[i][0] == a.codes()[j][0]);
      }
    }
    // the second level explains part of what the first left over
    double first = 0, both = 0;
    for (int i = 0; i < x.length; i++) {
      float[] c0 = a.centroids()[0][a.codes()[i][0]], c1 = a.centroids()[1][a.codes()[i][1]];
      for (int d = 0; d < 3; d++) {
        first += Math.pow(x[i][d] - c0[d], 2);
        both += Math.pow(x[i][d] - c0[d] - c1[d], 2);
      }
    }
    assertTrue(both < first, both + " vs " + first);
    assertNotEquals(0, first);
  }
}
