package org.gemsj.nativeops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The OpenBLAS thread policy: one thread unless the property or the environment says otherwise. */
class BlasThreadsTest {
  @Test
  void oneThreadByDefaultPropertyWins() {
    NativeLibrary.load();
    String env = System.getenv("OPENBLAS_NUM_THREADS");
    int expected = env != null && env.trim().matches("[1-9][0-9]*") ? Integer.parseInt(env.trim()) : 1;
    assertEquals(expected, BlasThreads.configured());
    assertEquals(expected, BlasThreads.current(), "applied when the library loaded");
    System.setProperty(BlasThreads.PROPERTY, "2");
    try {
      assertEquals(2, BlasThreads.configured());
      BlasThreads.apply();
      assertEquals(2, BlasThreads.current());
      System.setProperty(BlasThreads.PROPERTY, "many"); // not a count: the environment or 1 decides
      assertEquals(expected, BlasThreads.configured());
    } finally {
      System.clearProperty(BlasThreads.PROPERTY);
      BlasThreads.apply();
    }
    assertEquals(expected, BlasThreads.current());
    assertThrows(IllegalArgumentException.class, () -> BlasThreads.set(0));
  }
}
