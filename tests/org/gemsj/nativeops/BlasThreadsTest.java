package org.gemsj.nativeops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The OpenBLAS thread setting: the property, else the environment, else OpenBLAS's own default. */
class BlasThreadsTest {
  @Test
  void propertyThenEnvironmentThenDefault() {
    NativeLibrary.load();
    String env = System.getenv("OPENBLAS_NUM_THREADS");
    int fromEnv = env != null && env.trim().matches("[1-9][0-9]*") ? Integer.parseInt(env.trim()) : 0;
    assertEquals(fromEnv, BlasThreads.configured());
    int before = BlasThreads.current();
    System.setProperty(BlasThreads.PROPERTY, "1");
    try {
      assertEquals(1, BlasThreads.configured());
      BlasThreads.apply();
      assertEquals(1, BlasThreads.current());
      System.setProperty(BlasThreads.PROPERTY, "many"); // not a count: the environment or the default decides
      assertEquals(fromEnv, BlasThreads.configured());
    } finally {
      System.clearProperty(BlasThreads.PROPERTY);
      BlasThreads.set(Math.max(1, before)); // leave the JVM as it was for the other tests
    }
    assertThrows(IllegalArgumentException.class, () -> BlasThreads.set(0));
  }
}
