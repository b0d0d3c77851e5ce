package org.gemsj.optim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.Pointer;
import org.gemsj.nativeops.NativeLibrary;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A long optimizer loop keeps its native memory flat: every step's temporaries are freed. The
 * measure is the native heap in use (libtorch's CPU tensors live there); resident memory also
 * moves with the JVM heap, which grows and shrinks on its own, so it is only reported.
 */
class OptimizerMemoryTest {
  @ParameterizedTest(name = "{0}")
  @EnumSource(Decomposition.class) // a refresh every 2 steps: 300 refreshes measured
  void nativeMemoryStaysFlat(Decomposition decomposition) {
    ToyModel model = new ToyModel(21);
    GemsOptimizer opt = GemsOptimizerTest.gems(model, decomposition);
    GemsOptimizerTest.run(opt, 1, 100); // warm-up: allocator pools and per-thread scratch
    System.gc();
    long heapBefore = NativeLibrary.nativeHeapBytes(), rssBefore = Pointer.physicalBytes();
    long highest = heapBefore;
    for (int block = 0; block < 5; block++) {
      GemsOptimizerTest.run(opt, 101 + 100 * block, 200 + 100 * block);
      System.gc();
      highest = Math.max(highest, NativeLibrary.nativeHeapBytes());
    }
    long growth = highest - heapBefore;
    System.out.printf("native heap: %d KiB after 100 steps, at most %+d KiB over the next 500;"
        + " resident %d -> %d MiB%n", heapBefore >> 10, growth >> 10, rssBefore >> 20, Pointer.physicalBytes() >> 20);
    assertTrue(heapBefore > 0, "the C library reports no native heap");
    // A leak of one step's temporaries (~60 KB) would add ~30 MB over 500 steps.
    assertTrue(growth < 4L << 20, "native heap grew by " + (growth >> 10) + " KiB over 500 steps");
  }
}
