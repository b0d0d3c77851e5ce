package org.gemsj.optim;

import static org.gemsj.testing.Ref.f64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.gemsj.nativeops.BasisRefresh;
import org.gemsj.testing.GaloreReference;
import org.gemsj.testing.Ref;
import org.gemsj.torch.Tensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class GemsOptimizerTest {
  static final LrSchedule CONSTANT = new LrSchedule(0.02, 0, 100, 1.0);

  static double relUpdateErr(Tensor actual, Tensor expected, Tensor start) {
    Tensor delta = f64(expected).sub(f64(start));
    return Tensors.norm(f64(actual).sub(f64(expected))) / Tensors.norm(delta);
  }

  @ParameterizedTest(name = "moments {0}")
  @EnumSource(value = MomentPolicy.class, names = {"KEEP", "REPROJECT"})
  void gemsWithOneTaskIsGalore(MomentPolicy policy) {
    for (Decomposition decomposition : Decomposition.values()) {
      gemsWithOneTaskIsGalore(policy, decomposition);
    }
  }

  private static void gemsWithOneTaskIsGalore(MomentPolicy policy, Decomposition decomposition) {
    ToyModel model = new ToyModel(11);
    ToyModel start = model.copy();
    GemsConfig config = GemsConfig.builder().method(Method.GEMS).rankShared(6).rankTask(3).refreshInterval(2)
        .schedule(CONSTANT).momentPolicy(policy).basisMethod(BasisRefresh.Method.EXACT).decomposition(decomposition).build();
    GemsOptimizer opt = new GemsOptimizer(config, model.targeted(), model.others());
    boolean reproject = policy == MomentPolicy.REPROJECT;
    GaloreReference ref1 = new GaloreReference(start.w1, 6, 2, 0.02, 1.0, 0.01, 1e-6, reproject);
    GaloreReference ref2 = new GaloreReference(start.w2, 6, 2, 0.02, 1.0, 0.01, 1e-6, reproject);
    for (long step = 1; step <= 5; step++) {
      TaskBatch search = ToyModel.batch(step, 0, 8);
      GemsOptimizer.StepReport report = opt.step(search, TaskBatch.absent());
      assertEquals(0.0, report.gateSearch());
      // KEEP depends on the singular vectors' signs (a convention); align the reference's.
      ref1.step(search.grads().get("w1"), opt.subspaces().get(0).basis.narrow(0, 0, 6));
      ref2.step(search.grads().get("w2"), opt.subspaces().get(1).basis.narrow(1, 0, 6));
    }
    double e1 = relUpdateErr(model.w1, ref1.weight, start.w1), e2 = relUpdateErr(model.w2, ref2.weight, start.w2);
    assertTrue(e1 < 1e-4 && e2 < 1e-4, decomposition + ": GaLore mismatch: " + e1 + ", " + e2);
  }

  /** REPROJECT at a refresh: m' = C m, v' = max((C o C) v, m'^2), so |m'| <= sqrt(v') in every coordinate. */
  @Test
  void reprojectedSecondMomentBoundsTheFirst() {
    for (Decomposition d : Decomposition.values()) {
      ToyModel model = new ToyModel(13);
      GemsOptimizer opt = gems(model, d);
      run(opt, 1, 5);
      long binding = 0;
      for (SubspaceState st : opt.subspaces()) {
        Tensor oldBasis = f64(st.basis), m = f64(st.expAvg), v = f64(st.expAvgSq);
        TaskBatch search = ToyModel.batch(9, 0, 4), rec = ToyModel.batch(9, 1, 6);
        Tensor gs = search.grads().get(st.name), gr = rec.grads().get(st.name);
        double floor = (1 - Math.pow(0.999, 5)) / Math.pow(1 - Math.pow(0.9, 5), 2); // after 5 steps
        st.refresh(new Tensor[] {gs.mul(Ref.s(0.4)).add(gr.mul(Ref.s(0.6))), gs, gr}, d, BasisRefresh.Method.EXACT,
            MomentPolicy.REPROJECT, 3, floor);
        Tensor fresh = f64(st.basis);
        long off = 0;
        for (long r : new long[] {st.rankShared, st.rankTask, st.rankTask}) {
          Tensor c = st.right ? fresh.narrow(0, off, r).mm(oldBasis.narrow(0, off, r).t())
              : fresh.narrow(1, off, r).t().mm(oldBasis.narrow(1, off, r));
          Tensor m2 = c.mm(m.narrow(0, off, r));
          Tensor squaredMap = c.square().mm(v.narrow(0, off, r)), floored = m2.square().mul(Ref.s(floor));
          Tensor v2 = org.bytedeco.pytorch.global.torch.maximum(squaredMap, floored);
          String what = d + " " + st.name + " block at " + off;
          Ref.assertRelErr(st.expAvg.narrow(0, off, r), m2, 1e-5, what + " m");
          Ref.assertRelErr(st.expAvgSq.narrow(0, off, r), v2, 1e-5, what + " v");
          binding += floored.gt(squaredMap).sum().item_long();
          // bias-corrected: |m_hat'| <= sqrt(v_hat')
          Tensor excess = f64(st.expAvg.narrow(0, off, r)).square().mul(Ref.s(floor))
              .sub(f64(st.expAvgSq.narrow(0, off, r)));
          assertTrue(excess.max().item_double() <= 1e-6 * v2.max().item_double(), what + ": |m_hat'| > sqrt(v_hat')");
          off += r;
        }
      }
      assertTrue(binding > 0, d + ": the floor never bound, so this test would not see it missing");
    }
  }

  @Test
  void adamwMethodMatchesLibtorchAdamW() {
    ToyModel model = new ToyModel(12);
    ToyModel peer = model.copy();
    GemsConfig config = GemsConfig.builder().method(Method.ADAMW).schedule(CONSTANT).eps(1e-8).build();
    GemsOptimizer opt = new GemsOptimizer(config, model.targeted(), model.others());
    AdamWOptions options = new AdamWOptions(0.02);
    options.weight_decay().put(0.01);
    options.eps().put(1e-8);
    Tensor[] peerParams = {peer.w1, peer.w2, peer.bias};
    AdamW reference = new AdamW(new TensorVector(peerParams), options);
    String[] names = {"w1", "w2", "bias"};
    for (long step = 1; step <= 4; step++) {
      TaskBatch search = ToyModel.batch(step, 0, 3), rec = ToyModel.batch(step, 1, 5);
      opt.step(search, rec);
      for (int i = 0; i < 3; i++) {
        Tensor shared = search.grads().get(names[i]).mul(new org.bytedeco.pytorch.Scalar(3.0 / 8))
            .add(rec.grads().get(names[i]).mul(new org.bytedeco.pytorch.Scalar(5.0 / 8)));
        peerParams[i].mutable_grad().put(shared);
      }
      reference.step();
    }
    Ref.assertRelErr(model.w1, peer.w1, 1e-5, "w1");
    Ref.assertRelErr(model.w2, peer.w2, 1e-5, "w2");
    Ref.assertRelErr(model.bias, peer.bias, 1e-5, "bias");
  }

  /** GEMS with both tasks, a null space and randomized refreshes, for the resume tests. */
  static GemsOptimizer gems(ToyModel model) {
    return gems(model, Decomposition.REFERENCE);
  }

  static GemsOptimizer gems(ToyModel model, Decomposition decomposition) {
    return gems(model, decomposition, GateMode.REFERENCE);
  }

  static GemsOptimizer gems(ToyModel model, Decomposition decomposition, GateMode gates) {
    GemsConfig config = GemsConfig.builder().rankShared(6).rankTask(3).refreshInterval(2).nullSpace(true)
        .basisMethod(BasisRefresh.Method.RANDOMIZED).schedule(new LrSchedule(0.02, 2, 8, 0.1)).seed(5)
        .decomposition(decomposition).gating(gates.gating()).build();
    GemsOptimizer opt = new GemsOptimizer(config, model.targeted(), model.others());
    org.bytedeco.pytorch.global.torch.manual_seed(77);
    opt.setNullBasis("w1", Ref.orthonormalColumns(48, 5));
    opt.setNullBasis("w2", Ref.orthonormalColumns(24, 4));
    return opt;
  }

  static void run(GemsOptimizer opt, long from, long to) {
    for (long step = from; step <= to; step++) {
      opt.step(ToyModel.batch(step, 0, 4 + step % 3), ToyModel.batch(step, 1, 6 - step % 2));
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Decomposition.class)
  void saveAndLoadResumesExactly(Decomposition decomposition, @TempDir Path dir) throws IOException {
    for (GateMode gates : GateMode.values()) {
      ToyModel straight = new ToyModel(13);
      ToyModel resumed = straight.copy();
      GemsOptimizer a = gems(straight, decomposition, gates);
      run(a, 1, 8);

      GemsOptimizer b = gems(resumed, decomposition, gates);
      run(b, 1, 4);
      Path file = dir.resolve("optimizer-" + gates + ".state");
      b.save(file);
      ToyModel restartedModel = resumed.copy(); // the model is saved by its owner; copy it as-is
      GemsOptimizer c = gems(restartedModel, decomposition, gates);
      c.load(file);
      assertEquals(4, c.stepCount());
      run(c, 5, 8);
      assertTrue(straight.w1.equal(restartedModel.w1), gates + ": w1 differs after resume");
      assertTrue(straight.w2.equal(restartedModel.w2), gates + ": w2 differs after resume");
      assertTrue(straight.bias.equal(restartedModel.bias), gates + ": bias differs after resume");
    }
  }

  @Test
  void loadRejectsAnotherConfigAndChangesNothing(@TempDir Path dir) throws IOException {
    ToyModel model = new ToyModel(14);
    GemsOptimizer opt = gems(model);
    run(opt, 1, 2);
    Path file = dir.resolve("state");
    opt.save(file);
    GemsOptimizer other = new GemsOptimizer(GemsConfig.builder().rankShared(4).build(), model.targeted(), model.others());
    IOException e = assertThrows(IOException.class, () -> other.load(file));
    assertTrue(e.getMessage().contains("another optimizer config; differs in rankShared (saved 6, here 4)"), e.getMessage());
    assertEquals(0, other.stepCount());
    Files.write(file, new byte[] {1, 2, 3});
    assertThrows(IOException.class, () -> gems(model).load(file));
  }

  @Test
  void protectedDirectionsNeverMove() {
    ToyModel model = new ToyModel(17);
    ToyModel start = model.copy();
    GemsOptimizer opt = gems(model);
    run(opt, 1, 6);
    Tensor k1 = f64(opt.subspaces().get(0).nullBasis), k2 = f64(opt.subspaces().get(1).nullBasis);
    Tensor d1 = f64(model.w1).sub(f64(start.w1)), d2 = f64(model.w2).sub(f64(start.w2));
    assertTrue(Tensors.norm(d1) > 0 && Tensors.norm(d2) > 0, "weights did not move");
    double leak1 = Tensors.norm(k1.t().mm(d1)) / Tensors.norm(d1), leak2 = Tensors.norm(k2.t().mm(d2)) / Tensors.norm(d2);
    assertTrue(leak1 < 1e-5 && leak2 < 1e-5, "|K^T (W - W0)| / |W - W0| = " + leak1 + ", " + leak2);
  }

  /** A K accepted as orthonormal within the tolerance (not exactly) still protects its span to 1e-5. */
  @Test
  void aNearlyOrthonormalNullBasisStillProtectsItsSpan() {
    ToyModel model = new ToyModel(19);
    ToyModel start = model.copy();
    GemsConfig config = GemsConfig.builder().rankShared(6).rankTask(3).refreshInterval(2).nullSpace(true)
        .schedule(new LrSchedule(0.02, 2, 8, 0.1)).seed(5).build();
    GemsOptimizer opt = new GemsOptimizer(config, model.targeted(), model.others());
    Tensor k1 = Ref.orthonormalColumns(48, 5).add(Ref.randn(48, 5).mul(new org.bytedeco.pytorch.Scalar(1e-4)));
    Tensor k2 = Ref.orthonormalColumns(24, 4).add(Ref.randn(24, 4).mul(new org.bytedeco.pytorch.Scalar(1e-4)));
    Tensor gram = f64(k1).t().mm(f64(k1));
    assertTrue(Tensors.norm(gram.sub(gram.diag().diag())) > 5e-5, "the test basis is not exactly orthonormal");
    opt.setNullBasis("w1", k1);
    opt.setNullBasis("w2", k2);
    run(opt, 1, 6);
    // reference: an orthonormal basis of the given span, in float64
    Tensor q1 = org.bytedeco.pytorch.global.torch.linalg_qr(f64(k1), "reduced").get0();
    Tensor q2 = org.bytedeco.pytorch.global.torch.linalg_qr(f64(k2), "reduced").get0();
    Tensor d1 = f64(model.w1).sub(f64(start.w1)), d2 = f64(model.w2).sub(f64(start.w2));
    double leak1 = Tensors.norm(q1.t().mm(d1)) / Tensors.norm(d1), leak2 = Tensors.norm(q2.t().mm(d2)) / Tensors.norm(d2);
    assertTrue(leak1 < 1e-5 && leak2 < 1e-5, "|Q^T (W - W0)| / |W - W0| = " + leak1 + ", " + leak2);
  }

  /** y = W x + b: the bias of a protected weight must not move K^T y either. */
  @Test
  void biasesOfProtectedWeightsStayOffTheProtectedDirections() {
    org.bytedeco.pytorch.global.torch.manual_seed(new java.util.Random(System.nanoTime()).nextLong());
    Tensor w = Ref.randn(48, 32).mul(new org.bytedeco.pytorch.Scalar(0.05));
    Tensor b = Ref.randn(48).mul(new org.bytedeco.pytorch.Scalar(0.05));
    Tensor other = Ref.randn(48).mul(new org.bytedeco.pytorch.Scalar(0.05)); // not a bias of a targeted weight
    Tensor b0 = b.clone(), other0 = other.clone();
    GemsConfig config = GemsConfig.builder().rankShared(6).rankTask(3).refreshInterval(2).nullSpace(true)
        .schedule(new LrSchedule(0.02, 2, 8, 0.1)).weightDecay(0.1).seed(5).build();
    GemsOptimizer opt = new GemsOptimizer(config, List.of(new GemsOptimizer.Param("lin.weight", w)),
        List.of(new GemsOptimizer.Param("lin.bias", b), new GemsOptimizer.Param("norm.bias", other)));
    Tensor k = Ref.orthonormalColumns(48, 6);
    opt.setNullBasis("lin.weight", k);
    for (int step = 1; step <= 5; step++) {
      TaskBatch search = new TaskBatch(java.util.Map.of("lin.weight", Ref.randn(48, 32), "lin.bias", Ref.randn(48),
          "norm.bias", Ref.randn(48)), 4, 1.0);
      TaskBatch rec = new TaskBatch(java.util.Map.of("lin.weight", Ref.randn(48, 32), "lin.bias", Ref.randn(48),
          "norm.bias", Ref.randn(48)), 6, 1.0);
      opt.step(search, rec);
    }
    Tensor db = f64(b).sub(f64(b0)).unsqueeze(1), dOther = f64(other).sub(f64(other0)).unsqueeze(1);
    Tensor k64 = f64(k);
    assertTrue(Tensors.norm(db) > 1e-3, "the bias did not move");
    double leak = Tensors.norm(k64.t().mm(db)) / Tensors.norm(db);
    assertTrue(leak < 1e-5, "|K^T (b - b0)| / |b - b0| = " + leak);
    // a parameter that is no targeted weight's bias keeps its plain AdamW update (it has components along K)
    assertTrue(Tensors.norm(k64.t().mm(dOther)) / Tensors.norm(dOther) > 0.05);
  }

  @Test
  void aMissingGradientIsNamed() {
    ToyModel model = new ToyModel(18);
    ToyModel start = model.copy();
    GemsOptimizer opt = new GemsOptimizer(GemsConfig.builder().rankShared(4).rankTask(2).build(), model.targeted(), model.others());
    TaskBatch incomplete = new TaskBatch(java.util.Map.of("w1", Ref.randn(48, 32)), 4, 1.0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.step(incomplete, TaskBatch.absent()));
    assertTrue(e.getMessage().contains("'w2'"), e.getMessage());
    assertEquals(0, opt.stepCount());
    assertTrue(model.w1.equal(start.w1) && model.w2.equal(start.w2), "a rejected step changed weights");
    TaskBatch misshapen = new TaskBatch(java.util.Map.of("w1", Ref.randn(48, 32), "w2", Ref.randn(40, 24),
        "bias", Ref.randn(40)), 4, 1.0);
    e = assertThrows(IllegalArgumentException.class, () -> opt.step(misshapen, TaskBatch.absent()));
    assertTrue(e.getMessage().contains("'w2' is [40, 24]"), e.getMessage());
    TaskBatch poisoned = ToyModel.batch(1, 0, 4);
    poisoned.grads().get("bias").get(3).fill_(new org.bytedeco.pytorch.Scalar(Double.NaN));
    e = assertThrows(IllegalArgumentException.class, () -> opt.step(poisoned, TaskBatch.absent()));
    assertTrue(e.getMessage().contains("'bias'") && e.getMessage().contains("NaN or Inf"), e.getMessage());
    assertTrue(model.w1.equal(start.w1) && model.bias.equal(start.bias), "a rejected step changed weights");
  }

  @Test
  void nullSpaceWithoutABasisIsAnError() {
    ToyModel model = new ToyModel(15);
    GemsOptimizer opt = new GemsOptimizer(GemsConfig.builder().nullSpace(true).build(), model.targeted(), model.others());
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> run(opt, 1, 1));
    assertTrue(e.getMessage().contains("'w1' has no null basis"), e.getMessage());
  }

  @Test
  void stateIsSmallerThanAdamW() {
    ToyModel model = new ToyModel(16);
    GemsOptimizer gems = new GemsOptimizer(GemsConfig.builder().rankShared(4).rankTask(2).build(), model.targeted(), model.others());
    GemsOptimizer adamw = new GemsOptimizer(GemsConfig.builder().method(Method.ADAMW).build(), model.targeted(), model.others());
    // GEMS: (4 + 2*2) x 48 for w1 and x 40 for w2, three tensors each (basis, m, v); AdamW: 2 x params.
    long expectedGems = 4 * (8 * 32 + 2 * 8 * 48 + 24 * 8 + 2 * 8 * 40 + 2 * 40);
    assertEquals(expectedGems, gems.stateBytes());
    assertEquals(4 * 2 * (48 * 32 + 24 * 40 + 40), adamw.stateBytes());
  }
}
