package org.gemsj.optim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/** A long optimizer loop keeps its resident memory flat: every step's temporaries are freed. */
class OptimizerMemoryTest {
  @Test
  void residentMemoryStaysFlat() {
    ToyModel model = new ToyModel(21);
    GemsOptimizer opt = GemsOptimizerTest.gems(model);
    GemsOptimizerTest.run(opt, 1, 100); // warm up allocator pools and JIT
    System.gc();
    long before = Pointer.physicalBytes();
    GemsOptimizerTest.run(opt, 101, 600);
    System.gc();
    long growth = Pointer.physicalBytes() - before;
    // A leak of one step's temporaries (~60 KB) would add ~30 MB over 500 steps.
    assertTrue(growth < 12L << 20, "resident memory grew by " + (growth >> 10) + " KiB over 500 steps");
  }
}
