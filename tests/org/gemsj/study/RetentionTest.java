package org.gemsj.study;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class RetentionTest {
  @Test
  void topTenAmongThePoolWithTiesAgainstTheTarget() {
    int poolSize = 15;
    float[][] pool = new float[poolSize][];
    for (int i = 0; i < poolSize; i++) {
      pool[i] = new float[] {(float) Math.cos(i * 0.1), (float) Math.sin(i * 0.1)}; // angle 0.1 i
    }
    float[][] queries = {
        {1, 0}, // angle 0: item 0 is the closest, item 10 the 11th closest
        {1, 0},
        {(float) Math.cos(0.45), (float) Math.sin(0.45)}, // between items 4 and 5: items 4 and 5 tie
    };
    // target 9 is 10th (rank 10: in), 10 is 11th (out); item 5 ties with item 4 for first: counts as 2nd
    boolean[] correct = Retention.correct(queries, pool, List.of(9, 10, 5));
    assertArrayEquals(new boolean[] {true, false, true}, correct);
  }

  @Test
  void heldoutCorpusShipsWithTheBuild() throws Exception {
    List<String> s = Retention.heldoutSentences();
    assertEquals(120, s.size());
    assertEquals(s.size(), s.stream().distinct().count());
  }
}
