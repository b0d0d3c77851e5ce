package org.gemsj.nativeops;

import static org.gemsj.testing.Ref.assertRelErr;
import static org.gemsj.testing.Ref.f64;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.Tensor;
import org.gemsj.bench.ComposedStep;
import org.gemsj.testing.StepReference;
import org.gemsj.torch.Tensors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The benchmark's composed step computes the same thing as the fused op (both vs the reference). */
class ComposedStepTest {
  @ParameterizedTest(name = "W {0}x{1}, null rank {2}")
  @CsvSource({"48, 32, 0", "32, 48, 5", "40, 40, 7"})
  void matchesFloat64Reference(long m, long n, long nullRank) {
    StepInputs in = new StepInputs(m, n, 6, 3, nullRank);
    StepReference ref = in.reference();
    Tensor w0 = in.w.clone();
    ComposedStep.apply(in.w, new FusedStep.Task(in.gs, in.ns, in.gateS), new FusedStep.Task(in.gr, in.nr, in.gateR),
        in.basis, in.rSh, in.rT, in.expAvg, in.expAvgSq, in.step,
        new FusedStep.Hyper(in.lr, 0.9, 0.999, 1e-6, in.alpha, in.wd), in.k);
    double err = Tensors.norm(f64(in.w).sub(ref.weight)) / Tensors.norm(ref.weight.sub(f64(w0)));
    assertTrue(err < 1e-5, "weight update relative error " + err);
    assertRelErr(in.expAvg, ref.expAvg, 1e-5, "exp_avg");
  }
}
