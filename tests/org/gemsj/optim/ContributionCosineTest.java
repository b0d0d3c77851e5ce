package org.gemsj.optim;

import static org.gemsj.testing.Ref.f64;
import static org.gemsj.testing.Ref.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.testing.Ref;
import org.gemsj.torch.Tensors;
import org.junit.jupiter.api.Test;

/** The per-task contributions to the GEMS update, against projections built with pseudo-inverses. */
class ContributionCosineTest {
  @Test
  void matchesPseudoInverseProjectionsOffTheNullSpace() {
    ToyModel model = new ToyModel(31);
    GemsConfig config = GemsConfig.builder().method(Method.GEMS).rankShared(6).rankTask(3).refreshInterval(10)
        .schedule(GemsOptimizerTest.CONSTANT).basisMethod(BasisMethod.EXACT).nullSpace(true).build();
    GemsOptimizer opt = new GemsOptimizer(config, model.targeted(), model.others());
    Tensor k1 = Ref.orthonormalColumns(48, 5), k2 = Ref.orthonormalColumns(24, 4);
    opt.setNullBasis("w1", k1);
    opt.setNullBasis("w2", k2);
    for (long step = 1; step <= 3; step++) {
      TaskBatch search = ToyModel.batch(step, 0, 3), rec = ToyModel.batch(step, 1, 5);
      GemsOptimizer.StepReport report = opt.step(search, rec);
      Map<String, Double> cos = opt.contributionCosines(search, rec, report);
      assertEquals(2, cos.size());
      for (int i = 0; i < 2; i++) {
        String name = i == 0 ? "w1" : "w2";
        SubspaceState st = opt.subspaces().get(i);
        Tensor k = i == 0 ? k1 : k2;
        Tensor cs = reference(st, k, search.grads().get(name), 3 / 8.0, 1, report.gateSearch());
        Tensor cr = reference(st, k, rec.grads().get(name), 5 / 8.0, 2, report.gateRec());
        double expected = cs.mul(cr).sum().item_double() / (Tensors.norm(cs) * Tensors.norm(cr));
        assertEquals(expected, cos.get(name), 1e-4 * Math.max(1, Math.abs(expected)), name + " step " + step);
        assertTrue(Math.abs(expected) < 1, "a real cosine");
      }
    }
  }

  @Test
  void fullRankSharedSubspaceWithoutNullSpaceGivesTheRawGradientCosine() {
    ToyModel model = new ToyModel(32);
    GemsConfig config = GemsConfig.builder().method(Method.GALORE).rankShared(48).refreshInterval(10)
        .schedule(GemsOptimizerTest.CONSTANT).basisMethod(BasisMethod.EXACT).build();
    GemsOptimizer opt = new GemsOptimizer(config, model.targeted(), model.others());
    TaskBatch search = ToyModel.batch(1, 0, 4), rec = ToyModel.batch(1, 1, 4);
    Map<String, Double> cos = opt.contributionCosines(search, rec, opt.step(search, rec));
    for (String name : new String[] {"w1", "w2"}) {
      double raw = Tensors.cosine(search.grads().get(name), rec.grads().get(name));
      assertEquals(raw, cos.get(name), 1e-4, name); // the basis spans everything: projection = identity
    }
    assertTrue(opt.contributionCosines(search, TaskBatch.absent(), null).isEmpty(), "one task: nothing to compare");
  }

  /** share * Pi_shared(P g) + gate * Pi_task(P g), in float64, projections through pinv of the basis block. */
  private static Tensor reference(SubspaceState st, Tensor k, Tensor g, double share, int block, double gate) {
    Tensor k64 = f64(k), p = f64(g).sub(k64.mm(k64.t()).mm(f64(g)));
    long off = block == 1 ? st.rankShared : st.rankShared + st.rankTask;
    Tensor shared = st.right ? f64(st.basis.narrow(0, 0, st.rankShared)) : f64(st.basis.narrow(1, 0, st.rankShared));
    Tensor task = st.right ? f64(st.basis.narrow(0, off, st.rankTask)) : f64(st.basis.narrow(1, off, st.rankTask));
    return project(p, shared, st.right).mul(s(share)).add(project(p, task, st.right).mul(s(gate)));
  }

  private static Tensor project(Tensor g, Tensor basis, boolean right) {
    return right ? g.mm(torch.linalg_pinv(basis)).mm(basis) : basis.mm(torch.linalg_pinv(basis)).mm(g);
  }
}
