package org.gemsj.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.gemsj.testing.Ref;
import org.gemsj.torch.Tensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad parameters, null bases, batches and state files are refused with named causes, changing nothing. */
class OptimizerInputTest {

  @Test
  void parametersAreChecked() {
    ToyModel model = new ToyModel(31);
    GemsConfig config = GemsConfig.builder().rankShared(4).rankTask(2).build();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GemsOptimizer(config,
        model.targeted(), List.of(new GemsOptimizer.Param("w1", model.bias))));
    assertTrue(e.getMessage().contains("'w1' appears twice"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new GemsOptimizer(config, model.targeted(),
        List.of(new GemsOptimizer.Param("alias", model.w2))));
    assertTrue(e.getMessage().contains("shares its storage"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new GemsOptimizer(config,
        List.of(new GemsOptimizer.Param("wt", Ref.randn(32, 48).t())), List.of()));
    assertTrue(e.getMessage().contains("contiguous 2-D"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new GemsOptimizer(config,
        List.of(new GemsOptimizer.Param("w64", Ref.randn(8, 8).to(org.bytedeco.pytorch.global.torch.ScalarType.Double))), List.of()));
    assertTrue(e.getMessage().contains("float32"), e.getMessage());
  }

  @Test
  void nullBasesAreChecked() {
    ToyModel model = new ToyModel(32);
    GemsOptimizer off = new GemsOptimizer(GemsConfig.builder().build(), model.targeted(), model.others());
    assertThrows(IllegalStateException.class, () -> off.setNullBasis("w1", Ref.orthonormalColumns(48, 3)));
    GemsOptimizer on = new GemsOptimizer(GemsConfig.builder().nullSpace(true).build(), model.targeted(), model.others());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> on.setNullBasis("w1", Ref.randn(48, 3)));
    assertTrue(e.getMessage().contains("orthonormal"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> on.setNullBasis("w1", Ref.orthonormalColumns(24, 3)));
    assertTrue(e.getMessage().contains("must be 48 x k"), e.getMessage());
  }

  @Test
  void nonFiniteLossIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new TaskBatch(java.util.Map.of("w1", Ref.randn(2, 2)), 3, Double.POSITIVE_INFINITY));
    assertTrue(e.getMessage().contains("loss"), e.getMessage());
  }

  @Test
  void stateSurvivesTheCallersPointerScope() {
    ToyModel model = new ToyModel(33);
    GemsOptimizer opt;
    try (PointerScope callers = new PointerScope()) {
      opt = GemsOptimizerTest.gems(model);
    }
    GemsOptimizerTest.run(opt, 1, 3);
    assertEquals(3, opt.stepCount());
    assertTrue(Tensors.norm(opt.subspaces().get(0).expAvg) > 0);
  }

  @Test
  void damagedStateFilesChangeNothing(@TempDir Path dir) throws IOException {
    ToyModel model = new ToyModel(34);
    GemsOptimizer saved = GemsOptimizerTest.gems(model);
    GemsOptimizerTest.run(saved, 1, 3);
    Path file = dir.resolve("state");
    saved.save(file);
    byte[] good = Files.readAllBytes(file);

    GemsOptimizer fresh = GemsOptimizerTest.gems(model.copy());
    Tensor before = fresh.subspaces().get(0).expAvg.clone();
    Files.write(file, java.util.Arrays.copyOf(good, good.length - 10));
    IOException e = assertThrows(IOException.class, () -> fresh.load(file));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    Files.write(file, good);
    Files.write(file, new byte[] {7}, StandardOpenOption.APPEND);
    e = assertThrows(IOException.class, () -> fresh.load(file));
    assertTrue(e.getMessage().contains("trailing data"), e.getMessage());
    assertEquals(0, fresh.stepCount());
    assertTrue(fresh.subspaces().get(0).expAvg.equal(before), "a refused load changed the moments");

    Files.write(file, good);
    fresh.load(file);
    assertEquals(3, fresh.stepCount());
    assertTrue(fresh.subspaces().get(0).expAvg.equal(saved.subspaces().get(0).expAvg));
  }
}
