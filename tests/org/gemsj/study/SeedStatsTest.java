package org.gemsj.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SeedStatsTest {
  @Test
  void meanAndSampleStdByHand() {
    SeedStats s = SeedStats.of(List.of(0.30, 0.34, 0.29));
    assertEquals(0.31, s.mean(), 1e-12);
    // deviations -0.01, 0.03, -0.02: squares sum 0.0014, / (3 - 1) -> 0.0007
    assertEquals(Math.sqrt(0.0007), s.std(), 1e-12);
    assertEquals(3, s.n());
    assertEquals(0.0, SeedStats.of(List.of(0.5)).std());
    assertTrue(Double.isNaN(SeedStats.of(List.of()).mean()));
  }

  @Test
  void differenceCountsOnlyBeyondTwoStandardErrors() {
    SeedStats a = SeedStats.of(List.of(0.40, 0.42, 0.44)); // mean 0.42, std 0.02
    SeedStats near = SeedStats.of(List.of(0.43, 0.45, 0.47)); // mean 0.45: diff 0.03
    SeedStats far = SeedStats.of(List.of(0.48, 0.50, 0.52)); // mean 0.50: diff 0.08
    double se = Math.sqrt(2 * 0.02 * 0.02 / 3); // 0.01633
    assertEquals(se, a.standardErrorOfDifference(near), 1e-12);
    assertFalse(a.exceedsNoise(near)); // 0.03 < 2 * 0.0163
    assertTrue(a.exceedsNoise(far)); // 0.08 > 0.0327
    assertTrue(far.exceedsNoise(a), "symmetric");
    assertFalse(SeedStats.of(List.of(0.1)).exceedsNoise(SeedStats.of(List.of(0.9))), "one seed says nothing");
  }

  @Test
  void differenceTextSaysWhenThereIsNoStandardError() {
    SeedStats a = SeedStats.of(List.of(0.40, 0.42, 0.44));
    SeedStats near = SeedStats.of(List.of(0.43, 0.45, 0.47));
    SeedStats far = SeedStats.of(List.of(0.48, 0.50, 0.52));
    assertEquals("+0.0300 ± 0.0163 (within noise)", near.differenceText(a));
    assertEquals("-0.0800 ± 0.0163 **(exceeds noise)**", a.differenceText(far));
    assertEquals("+0.0800 (one seed: no standard error)", SeedStats.of(List.of(0.5)).differenceText(a));
    assertEquals("-0.0800 (one seed: no standard error)", a.differenceText(SeedStats.of(List.of(0.5))));
  }

  /** Paired differences against zero: mean ± std/sqrt(n), the verdict at twice that. */
  @org.junit.jupiter.api.Test
  void pairedDifferencesAgainstZero() {
    SeedStats d = SeedStats.of(java.util.List.of(-0.10, -0.12, -0.11)); // std 0.01, se 0.00577
    org.junit.jupiter.api.Assertions.assertEquals("-0.1100 ± 0.0058 **(exceeds noise)**", d.pairedText());
    SeedStats small = SeedStats.of(java.util.List.of(0.01, -0.02, 0.02));
    org.junit.jupiter.api.Assertions.assertTrue(small.pairedText().endsWith("(within noise)"), small.pairedText());
    org.junit.jupiter.api.Assertions.assertEquals("+0.0300 (one seed: no standard error)",
        SeedStats.of(java.util.List.of(0.03)).pairedText());
  }
}
