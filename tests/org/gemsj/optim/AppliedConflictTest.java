package org.gemsj.optim;

import static org.gemsj.testing.Ref.f64;
import static org.gemsj.testing.Ref.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.nativeops.BasisRefresh;
import org.gemsj.testing.Ref;
import org.gemsj.torch.Tensors;
import org.junit.jupiter.api.Test;

/**
 * The tasks' parts of the applied update ({@link GemsOptimizer#appliedInnerProducts}) against a
 * float64 composition: per block, the task's projected coordinates over Adam's denominator, mapped
 * back; and, for AdamW, the preconditioned gradients.
 */
class AppliedConflictTest {
  @Test
  void subspacePartsMatchTheFloat64CompositionInBothLayoutsOffTheNullSpace() {
    for (Decomposition d : Decomposition.values()) {
      ToyModel model = new ToyModel(31);
      GemsConfig config = GemsConfig.builder().method(Method.GEMS).rankShared(6).rankTask(3).refreshInterval(10)
          .schedule(GemsOptimizerTest.CONSTANT).basisMethod(BasisRefresh.Method.EXACT).nullSpace(true).decomposition(d).build();
      GemsOptimizer opt = new GemsOptimizer(config, model.targeted(), model.others());
      Tensor k1 = Ref.orthonormalColumns(48, 5), k2 = Ref.orthonormalColumns(24, 4);
      opt.setNullBasis("w1", k1);
      opt.setNullBasis("w2", k2);
      for (long step = 1; step <= 3; step++) {
        TaskBatch search = ToyModel.batch(step, 0, 3), rec = ToyModel.batch(step, 1, 5);
        GemsOptimizer.StepReport report = opt.step(search, rec);
        for (int i = 0; i < 2; i++) {
          String name = i == 0 ? "w1" : "w2";
          SubspaceState st = opt.subspaces().get(i);
          Tensor k = f64(opt.subspaces().get(i).nullBasis);
          double bc2 = 1 - Math.pow(config.beta2(), step);
          Tensor ps = reference(st, k, search.grads().get(name), 3 / 8.0, 1, report.gateSearch(), bc2, config.eps());
          Tensor pr = reference(st, k, rec.grads().get(name), 5 / 8.0, 2, report.gateRec(), bc2, config.eps());
          double[] dots = opt.appliedInnerProducts(name, search, rec, report);
          String what = d + " " + name + " step " + step;
          assertClose(ps.mul(pr).sum().item_double(), dots[0], what + " cross");
          assertClose(ps.square().sum().item_double(), dots[1], what + " search");
          assertClose(pr.square().sum().item_double(), dots[2], what + " rec");
          assertTrue(Tensors.norm(k.t().mm(ps)) < 1e-6 * Tensors.norm(ps), "the reference stays off K");
        }
      }
      assertNull(opt.appliedInnerProducts("w1", ToyModel.batch(4, 0, 3), TaskBatch.absent(), null),
          "one task: nothing to compare");
    }
  }

  @Test
  void adamWPartsArePreconditionedGradients() {
    ToyModel model = new ToyModel(32);
    GemsConfig config = GemsConfig.builder().method(Method.ADAMW).schedule(GemsOptimizerTest.CONSTANT).build();
    GemsOptimizer opt = new GemsOptimizer(config, model.targeted(), model.others());
    for (long step = 1; step <= 2; step++) {
      TaskBatch search = ToyModel.batch(step, 0, 2), rec = ToyModel.batch(step, 1, 6);
      GemsOptimizer.StepReport report = opt.step(search, rec);
      for (AdamWState a : opt.adamwStates()) {
        Tensor denom = f64(a.expAvgSq).div(s(1 - Math.pow(config.beta2(), step))).sqrt().add(s(config.eps()));
        Tensor ps = f64(search.grads().get(a.name)).mul(s(0.25)).div(denom);
        Tensor pr = f64(rec.grads().get(a.name)).mul(s(0.75)).div(denom);
        double[] dots = opt.appliedInnerProducts(a.name, search, rec, report);
        assertClose(ps.mul(pr).sum().item_double(), dots[0], a.name + " cross");
        assertClose(ps.square().sum().item_double(), dots[1], a.name + " search");
        assertClose(pr.square().sum().item_double(), dots[2], a.name + " rec");
        double cosine = dots[0] / Math.sqrt(dots[1] * dots[2]);
        assertTrue(Math.abs(cosine) < 1 && cosine != 0, "a real cosine: " + cosine);
      }
    }
    assertNull(opt.appliedInnerProducts("nothing", ToyModel.batch(3, 0, 1), ToyModel.batch(3, 1, 1),
        opt.step(ToyModel.batch(3, 0, 1), ToyModel.batch(3, 1, 1))));
  }

  private static void assertClose(double expected, double actual, String what) {
    assertEquals(expected, actual, 1e-4 * Math.abs(expected) + 1e-12, what);
  }

  /** share x block 0 + gate x the task's block, each: (coordinates / (sqrt(v / bc2) + eps)) mapped back, off K. */
  private static Tensor reference(SubspaceState st, Tensor k, Tensor g, double share, int block, double gate,
      double bc2, double eps) {
    Tensor p = f64(g).sub(k.mm(k.t().mm(f64(g))));
    Tensor out = part(st, p, 0, st.rankShared, share, bc2, eps)
        .add(part(st, p, block == 1 ? st.rankShared : st.rankShared + st.rankTask, st.rankTask, gate, bc2, eps));
    return out.sub(k.mm(k.t().mm(out)));
  }

  private static Tensor part(SubspaceState st, Tensor p, long offset, long rank, double weight, double bc2,
      double eps) {
    Tensor v = f64(st.expAvgSq.narrow(0, offset, rank));
    Tensor denom = v.div(s(bc2)).sqrt().add(s(eps));
    if (st.right) { // basis rows b (r x n); coordinates (p b^T)^T
      Tensor b = f64(st.basis.narrow(0, offset, rank));
      return torch.matmul(p, b.t()).t().mul(s(weight)).div(denom).t().mm(b);
    }
    Tensor b = f64(st.basis.narrow(1, offset, rank)); // basis columns b (m x r); coordinates b^T p
    return b.mm(b.t().mm(p).mul(s(weight)).div(denom));
  }
}
