package org.gemsj.nativeops;

import static org.gemsj.testing.Ref.assertRelErr;
import static org.gemsj.testing.Ref.f64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.Tensor;
import org.gemsj.testing.StepReference;
import org.gemsj.torch.Tensors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FusedStepTest {

  @ParameterizedTest(name = "W {0}x{1}, r_sh {2}, r_task {3}, null rank {4}, counts {5}/{6}")
  @CsvSource({
    "48, 32, 8, 4, 0, 5, 3", // m > n
    "32, 48, 8, 4, 0, 5, 3", // m < n
    "40, 40, 6, 3, 0, 5, 3", // square
    "48, 32, 1, 1, 0, 5, 3", // r = 1
    "48, 32, 32, 32, 0, 5, 3", // r = min(m, n)
    "32, 48, 32, 32, 0, 5, 3", // r = min(m, n), left bases
    "48, 32, 8, 4, 6, 5, 3", // null space, right bases
    "32, 48, 8, 4, 6, 5, 3", // null space, left bases
    "40, 40, 40, 40, 10, 5, 3", // null space, full rank
    "48, 32, 8, 4, 6, 7, 0", // one task only
    "32, 48, 8, 0, 0, 0, 4", // single subspace, rec only
  })
  void matchesFloat64Reference(long m, long n, long rSh, long rT, long nullRank, long ns, long nr) {
    StepInputs in = new StepInputs(m, n, rSh, rT, nullRank);
    in.ns = ns;
    in.nr = nr;
    StepReference ref = in.reference();
    Tensor w0 = in.w.clone();
    in.applyNative();
    Tensor refDelta = ref.weight.sub(f64(w0));
    double err = Tensors.norm(f64(in.w).sub(ref.weight)) / Tensors.norm(refDelta);
    assertTrue(err < 1e-5, "weight update relative error " + err);
    assertRelErr(in.expAvg, ref.expAvg, 1e-5, "exp_avg");
    assertRelErr(in.expAvgSq, ref.expAvgSq, 1e-5, "exp_avg_sq");
  }

  @ParameterizedTest(name = "W {0}x{1}, null rank {2}")
  @CsvSource({"48, 32, 6", "32, 48, 6", "40, 40, 20", "64, 24, 60"})
  void updateStaysInNullSpace(long m, long n, long nullRank) {
    StepInputs in = new StepInputs(m, n, 8, 4, nullRank);
    Tensor w0 = in.w.clone();
    in.applyNative();
    Tensor delta = f64(in.w).sub(f64(w0));
    double leak = Tensors.norm(f64(in.k).t().mm(delta)) / Tensors.norm(delta);
    assertTrue(Tensors.norm(delta) > 0, "the step changed nothing");
    assertTrue(leak < 1e-5, "|K^T dW| / |dW| = " + leak);
  }

  @ParameterizedTest(name = "identity basis, W {0}x{1}")
  @CsvSource({"24, 16", "16, 24", "20, 20"})
  void identityBasisIsAdamW(long m, long n) {
    // r_sh = min(m, n) with the identity as basis: Adam in the full space, i.e. AdamW.
    long r = Math.min(m, n);
    StepInputs in = new StepInputs(m, n, r, 0, 0);
    Tensor basis = org.bytedeco.pytorch.global.torch.eye(r);
    in.expAvg.zero_();
    in.expAvgSq.zero_();
    AdamWReference adamw = new AdamWReference(in.w.clone(), in.lr, in.wd, 1e-6);
    for (int step = 1; step <= 3; step++) {
      Tensor gs = org.gemsj.testing.Ref.randn(m, n);
      FusedStep.apply(in.w, new FusedStep.Task(gs, 1, 0), new FusedStep.Task(null, 0, 0), basis, r, 0,
          in.expAvg, in.expAvgSq, step, new FusedStep.Hyper(in.lr, 0.9, 0.999, 1e-6, 1.0, in.wd), null);
      adamw.step(gs);
      assertRelErr(in.w.sub(adamw.initial), adamw.param.sub(adamw.initial), 1e-5, "step " + step);
    }
    assertEquals(3, adamw.steps);
  }

  @org.junit.jupiter.api.Test
  void acceptsAWeightThatRequiresGradAndAColumnViewAsNullBasis() {
    StepInputs in = new StepInputs(48, 32, 8, 4, 0);
    Tensor eigenvectors = org.gemsj.testing.Ref.orthonormalColumns(48, 48);
    Tensor k = eigenvectors.narrow(1, 0, 6); // non-contiguous, as NullSpace.Split.protectedBasis()
    Tensor contiguousK = k.contiguous();
    StepInputs twin = in.twin();
    in.w.requires_grad_(true); // grad mode is on: the op must not trip autograd's out= check
    FusedStep.apply(in.w, new FusedStep.Task(in.gs, in.ns, in.gateS), new FusedStep.Task(in.gr, in.nr, in.gateR),
        in.basis, 8, 4, in.expAvg, in.expAvgSq, in.step, new FusedStep.Hyper(in.lr, 0.9, 0.999, 1e-6, 1, in.wd), k);
    FusedStep.apply(twin.w, new FusedStep.Task(twin.gs, twin.ns, twin.gateS), new FusedStep.Task(twin.gr, twin.nr, twin.gateR),
        twin.basis, 8, 4, twin.expAvg, twin.expAvgSq, twin.step, new FusedStep.Hyper(twin.lr, 0.9, 0.999, 1e-6, 1, twin.wd),
        contiguousK);
    assertTrue(in.w.detach().equal(twin.w), "a column view of K gives another result than its contiguous copy");
  }

  @org.junit.jupiter.api.Test
  void anEmptyNullBasisProtectsNothing() {
    StepInputs a = new StepInputs(32, 48, 8, 4, 0);
    StepInputs b = a.twin();
    FusedStep.Hyper h = new FusedStep.Hyper(a.lr, 0.9, 0.999, 1e-6, 1, a.wd);
    FusedStep.apply(a.w, new FusedStep.Task(a.gs, 5, 0.6), new FusedStep.Task(a.gr, 3, 0.4), a.basis, 8, 4, a.expAvg,
        a.expAvgSq, 4, h, org.gemsj.testing.Ref.randn(32, 5).narrow(1, 0, 0));
    FusedStep.apply(b.w, new FusedStep.Task(b.gs, 5, 0.6), new FusedStep.Task(b.gr, 3, 0.4), b.basis, 8, 4, b.expAvg,
        b.expAvgSq, 4, h, null);
    assertTrue(a.w.equal(b.w));
  }
}
