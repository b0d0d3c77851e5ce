package org.gemsj.nativeops;

import static org.gemsj.testing.Ref.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.Dispatcher;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.OperatorHandle;
import org.bytedeco.pytorch.Tensor;
import org.gemsj.torch.Tensors;
import org.junit.jupiter.api.Test;

/** The ops are registered in libtorch's dispatcher as gems::* and agree with the C interface. */
class DispatcherTest {
  static {
    NativeLibrary.load();
  }

  static OperatorHandle op(String name) {
    return Dispatcher.singleton().findSchemaOrThrow("gems::" + name, "");
  }

  @Test
  void registrationSucceededAtLoad() {
    assertEquals("", NativeLibrary.dispatcherRegistrationError());
  }

  @Test
  void fusedStepThroughTheDispatcherEqualsTheDirectCall() {
    StepInputs direct = new StepInputs(24, 16, 4, 2, 3);
    Tensor w = direct.w.clone(), m = direct.expAvg.clone(), v = direct.expAvgSq.clone();
    direct.applyNative();

    IValueVector stack = new IValueVector();
    for (IValue arg : new IValue[] {
        new IValue(w), new IValue(direct.gs), new IValue(direct.gr), new IValue(direct.ns),
        new IValue(direct.nr), new IValue(direct.basis), new IValue(direct.rSh), new IValue(direct.rT),
        new IValue(m), new IValue(v), new IValue(direct.gateS), new IValue(direct.gateR),
        new IValue(direct.step), new IValue(direct.lr), new IValue(0.9), new IValue(0.999),
        new IValue(1e-6), new IValue(direct.alpha), new IValue(direct.wd), new IValue(direct.k)}) {
      stack.push_back(arg);
    }
    op("fused_step").callBoxed(stack);
    assertTrue(w.equal(direct.w), "weight differs from the direct call");
    assertTrue(m.equal(direct.expAvg) && v.equal(direct.expAvgSq), "moments differ");
  }

  @Test
  void refreshBasisReturnsTheEnergy() {
    Tensor g = randn(30, 20);
    Tensor viaDispatcher = Tensors.empty(new long[] {4, 20}, null), direct = Tensors.empty(new long[] {4, 20}, null);
    IValueVector stack = new IValueVector();
    for (IValue arg : new IValue[] {new IValue(g), new IValue(4L), new IValue(0L), new IValue(8L),
        new IValue(2L), new IValue(5L), new IValue(viaDispatcher)}) {
      stack.push_back(arg);
    }
    op("refresh_basis").callBoxed(stack);
    double energy = BasisRefresh.refresh(g, 4, BasisRefresh.Method.EXACT, BasisRefresh.Options.defaults(5), direct);
    assertEquals(1, stack.size());
    assertEquals(energy, stack.get(0).toDouble(), 0.0);
    assertTrue(viaDispatcher.equal(direct));
  }

  @Test
  void nullSpaceBasisReturnsThreeOutputs() {
    Tensor y = randn(50, 12);
    Tensor c = y.t().mm(y).div(new org.bytedeco.pytorch.Scalar(50));
    IValueVector stack = new IValueVector();
    for (IValue arg : new IValue[] {new IValue(c), new IValue(1L), new IValue(0.8), new IValue(0.05)}) {
      stack.push_back(arg);
    }
    op("null_space_basis").callBoxed(stack);
    try (NullSpace.Split split = NullSpace.split(c, NullSpace.Rule.ENERGY, 0.8, 0.05)) {
      assertEquals(3, stack.size());
      assertEquals(split.protectedCount(), stack.get(2).toInt());
      assertTrue(stack.get(1).toTensor().equal(split.eigenvalues()));
    }
  }

  @Test
  void errorsSurfaceAsExceptions() {
    IValueVector stack = new IValueVector();
    for (IValue arg : new IValue[] {new IValue(randn(10, 6)), new IValue(9L), new IValue(0L), new IValue(8L),
        new IValue(2L), new IValue(5L), new IValue(randn(9, 6))}) {
      stack.push_back(arg);
    }
    RuntimeException e = assertThrows(RuntimeException.class, () -> op("refresh_basis").callBoxed(stack));
    assertTrue(e.getMessage().contains("rank must be in [1, min(m, n) = 6]"), e.getMessage());
  }
}
