package org.gemsj.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ScheduleAndGatingTest {
  @Test
  void refreshStepsWithAndWithoutWarmup() {
    GemsConfig plain = GemsConfig.builder().refreshInterval(50).build();
    GemsConfig warm = plain.toBuilder().refreshWarmup(true).build();
    java.util.List<Long> p = new java.util.ArrayList<>(), w = new java.util.ArrayList<>();
    for (long t = 1; t <= 160; t++) {
      if (plain.refreshesAt(t)) {
        p.add(t);
      }
      if (warm.refreshesAt(t)) {
        w.add(t);
      }
    }
    org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of(1L, 51L, 101L, 151L), p);
    org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of(1L, 2L, 3L, 5L, 9L, 17L, 33L, 51L, 101L, 151L), w);
  }

  @Test
  void cosineWithWarmupByHand() {
    LrSchedule s = new LrSchedule(1.0, 4, 14, 0.1);
    assertEquals(0.25, s.at(1), 1e-12);
    assertEquals(1.0, s.at(4), 1e-12);
    assertEquals(0.1 + 0.9 * 0.5, s.at(9), 1e-12); // halfway through the cosine
    assertEquals(0.1, s.at(14), 1e-12);
    assertEquals(0.1, s.at(40), 1e-12);
  }

  @Test
  void adaptiveGatesByHand() {
    // losses 3:1, gradient norms 1:1, samples 1:3 -> 0.4*0.75 + 0.4*0.5 + 0.2*0.25 = 0.55
    double[] g = Gating.adaptiveDefault().gates(new Gating.TaskSignal(3, 2, 10), new Gating.TaskSignal(1, 2, 30));
    assertArrayEquals(new double[] {0.55, 0.45}, g, 1e-12);
  }

  @Test
  void fixedAndSingleTaskGates() {
    assertArrayEquals(new double[] {0.3, 0.7},
        Gating.fixed(0.3).gates(new Gating.TaskSignal(1, 1, 1), new Gating.TaskSignal(1, 1, 1)), 1e-12);
    assertArrayEquals(new double[] {0, 0},
        Gating.adaptiveDefault().gates(new Gating.TaskSignal(1, 1, 4), new Gating.TaskSignal(0, 0, 0)), 0);
  }
}
