package org.gemsj.nativeops;

import static org.gemsj.testing.Ref.randn;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Consumer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.torch.Tensors;
import org.junit.jupiter.api.Test;

/** Bad input raises GemsOpException naming the op and shapes, and changes nothing. */
class BadInputTest {

  /** Applies {@code spoil} to fresh inputs and expects a rejection mentioning {@code expected}. */
  static void rejects(Consumer<StepInputs> spoil, String... expected) {
    StepInputs in = new StepInputs(24, 16, 4, 2, 0);
    spoil.accept(in);
    Tensor w = in.w.clone(), m = in.expAvg.clone(), v = in.expAvgSq.clone();
    GemsOpException e = assertThrows(GemsOpException.class, in::applyNative);
    assertTrue(e.getMessage().startsWith("gems.fused_step:"), e.getMessage());
    for (String part : expected) {
      assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' lacks '" + part + "'");
    }
    assertTrue(in.w.equal(w) && in.expAvg.equal(m) && in.expAvgSq.equal(v), "state changed on error");
  }

  static void set(Tensor target, Tensor source) {
    target.put(source);
  }

  @Test
  void mismatchedGradientShape() {
    rejects(in -> set(in.gs, randn(16, 24)), "grad_search", "[24, 16]", "[16, 24]");
  }

  @Test
  void mismatchedBasisShape() {
    rejects(in -> set(in.basis, randn(8, 24)), "basis", "[8, 16]", "[8, 24]");
  }

  @Test
  void mismatchedMoments() {
    rejects(in -> set(in.expAvgSq, randn(8, 16)), "exp_avg_sq", "[8, 24]", "[8, 16]");
  }

  @Test
  void wrongDtype() {
    rejects(in -> set(in.gr, in.gr.to(torch.ScalarType.Double)), "grad_rec", "float32", "float64");
  }

  @Test
  void wrongDevice() {
    TensorOptions meta = new TensorOptions(torch.ScalarType.Float).device(new DeviceOptional(new Device("meta")));
    rejects(in -> set(in.gs, torch.empty(new long[] {24, 16}, meta, new org.bytedeco.pytorch.MemoryFormatOptional())),
        "grad_search", "device");
  }

  @Test
  void nonContiguousWeight() {
    rejects(in -> set(in.gs, randn(16, 24).t()), "grad_search", "non-contiguous");
  }

  @Test
  void rankAboveMinDimension() {
    StepInputs in = new StepInputs(24, 16, 4, 2, 0);
    GemsOpException e = assertThrows(GemsOpException.class, () -> FusedStep.apply(in.w,
        new FusedStep.Task(in.gs, 1, 0.5), new FusedStep.Task(in.gr, 1, 0.5), randn(17, 16), 17, 0,
        randn(17, 24), randn(17, 24), 1, FusedStep.Hyper.defaults(0.1), null));
    assertTrue(e.getMessage().contains("rank_shared") && e.getMessage().contains("min(m, n) = 16"), e.getMessage());
  }

  @Test
  void nanOrInfInAGradient() {
    rejects(in -> in.gs.get(3).get(5).fill_(new Scalar(Double.NaN)), "NaN or Inf", "[24, 16]");
    rejects(in -> in.gr.get(0).get(0).fill_(new Scalar(Double.POSITIVE_INFINITY)), "NaN or Inf");
  }

  @Test
  void missingGradientWithPositiveCount() {
    StepInputs in = new StepInputs(24, 16, 4, 2, 0);
    GemsOpException e = assertThrows(GemsOpException.class, () -> FusedStep.apply(in.w,
        new FusedStep.Task(null, 3, 0.5), new FusedStep.Task(in.gr, 1, 0.5), in.basis, 4, 2,
        in.expAvg, in.expAvgSq, 1, FusedStep.Hyper.defaults(0.1), null));
    assertTrue(e.getMessage().contains("grad_search is missing"), e.getMessage());
  }

  @Test
  void badHyperparameters() {
    rejects(in -> in.step = 0, "step must be >= 1");
    rejects(in -> in.lr = Double.NaN, "lr");
    rejects(in -> { in.ns = 0; in.nr = 0; }, "sample counts");
  }

  @Test
  void refreshRankAboveMinDimension() {
    GemsOpException e = assertThrows(GemsOpException.class, () -> BasisRefresh.refresh(randn(10, 6), 7,
        BasisRefresh.Method.EXACT, BasisRefresh.Options.defaults(1), Tensors.empty(new long[] {7, 6}, null)));
    assertTrue(e.getMessage().contains("gems.refresh_basis") && e.getMessage().contains("[10, 6]"), e.getMessage());
  }

  @Test
  void refreshWrongOutputShape() {
    GemsOpException e = assertThrows(GemsOpException.class, () -> BasisRefresh.refresh(randn(10, 6), 3,
        BasisRefresh.Method.RANDOMIZED, BasisRefresh.Options.defaults(1), Tensors.empty(new long[] {10, 3}, null)));
    assertTrue(e.getMessage().contains("out must have shape [3, 6]"), e.getMessage());
  }
}
