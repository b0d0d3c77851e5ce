package org.gemsj.optim;

import static org.gemsj.testing.Ref.f64;
import static org.gemsj.testing.Ref.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.StringViewOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.nativeops.BasisRefresh;
import org.gemsj.testing.Ref;
import org.gemsj.torch.Tensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The complementary decomposition at refresh (issue 13): invariants on fresh random gradients and its reductions. */
class ComplementaryBasesTest {

  /** A fresh seed per test, printed in every failure message. */
  private static long freshSeed() {
    long seed = new Random(System.nanoTime()).nextLong();
    torch.manual_seed(seed);
    return seed;
  }

  private static SubspaceState state(long m, long n, long rankShared, long rankTask, Tensor nullBasis) {
    SubspaceState s = new SubspaceState("w", Tensors.zeros(new long[] {m, n}, null), rankShared, rankTask);
    s.nullBasis = nullBasis;
    return s;
  }

  /** Refreshes with the task gradients (either may be null: absent) as the optimizer does. */
  private static double refresh(SubspaceState s, Tensor gs, Tensor gr, Decomposition d, BasisRefresh.Method method) {
    Tensor shared = gs == null ? gr : gr == null ? gs : gs.mul(new Scalar(0.5)).add(gr.mul(new Scalar(0.5)));
    return s.refresh(new Tensor[] {shared, gs, gr}, d, method, MomentPolicy.REPROJECT, 17, 1);
  }

  /** Block 0 (shared), 1 (search) or 2 (rec) as s x r float64 columns, whatever the layout. */
  static Tensor block(SubspaceState s, int b) {
    long offset = b == 0 ? 0 : b == 1 ? s.rankShared : s.rankShared + s.rankTask;
    long rank = b == 0 ? s.rankShared : s.rankTask;
    return f64(s.right ? s.basis.narrow(0, offset, rank).t() : s.basis.narrow(1, offset, rank));
  }

  /** The gradient off the protected directions, short side first, float64 (what the bases are built from). */
  private static Tensor shortSide(SubspaceState s, Tensor g) {
    Tensor h = f64(g);
    if (s.nullBasis != null) {
      Tensor k = f64(s.nullBasis);
      h = h.sub(k.mm(k.t().mm(h)));
    }
    return s.right ? h.t() : h;
  }

  private static double[] columnNorms(Tensor u) {
    float[] v = Tensors.toFloats(u.square().sum(new long[] {0}, false, new ScalarTypeOptional()).sqrt());
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i];
    }
    return out;
  }

  private static int nonZeroColumns(Tensor u) {
    int count = 0;
    for (double norm : columnNorms(u)) {
      count += norm > 0 ? 1 : 0;
    }
    return count;
  }

  private static Tensor projector(Tensor u) {
    return u.mm(u.t());
  }

  /** The first {@code count} left singular vectors after {@code skip}, of the s x l matrix h. */
  private static Tensor singularVectors(Tensor h, long skip, long count) {
    return torch.linalg_svd(h, false, new StringViewOptional()).get0().narrow(1, skip, count);
  }

  /** m x n with singular values 0.8^i (i < min(m, n)): distinct, well separated. */
  private static Tensor decaying(long m, long n) {
    long k = Math.min(m, n);
    float[] sigma = new float[(int) k];
    for (int i = 0; i < k; i++) {
      sigma[i] = (float) Math.pow(0.8, i);
    }
    return Ref.orthonormalColumns(m, k).mul(Tensors.fromFloats(sigma, k)).mm(Ref.orthonormalColumns(n, k).t());
  }

  /** Two tasks that partly agree: a common part plus each its own. */
  private static Tensor[] relatedTasks(long m, long n) {
    Tensor common = randn(m, n);
    return new Tensor[] {common.add(randn(m, n).mul(new Scalar(0.7))), common.add(randn(m, n).mul(new Scalar(0.7)))};
  }

  @ParameterizedTest(name = "G {0}x{1}, r_sh {2}, r_task {3}, {4}, null space {5}")
  @CsvSource({
    "48, 32, 6, 3, EXACT, false", "48, 32, 6, 3, EXACT, true", "24, 40, 6, 3, EXACT, false",
    "24, 40, 6, 3, EXACT, true", "30, 30, 8, 4, EXACT, true", "48, 32, 6, 3, RANDOMIZED, false",
    "24, 40, 6, 3, RANDOMIZED, true", "200, 120, 16, 8, RANDOMIZED, true", "120, 200, 16, 8, RANDOMIZED, false",
    "20, 12, 10, 8, EXACT, false"})
  void taskBasesAreOrthogonalToTheSharedOne(long m, long n, long rankShared, long rankTask, BasisRefresh.Method method,
      boolean withNullSpace) {
    long seed = freshSeed();
    SubspaceState s = state(m, n, rankShared, rankTask, withNullSpace ? Ref.orthonormalColumns(m, m / 4) : null);
    Tensor[] g = relatedTasks(m, n);
    double captured = refresh(s, g[0], g[1], Decomposition.COMPLEMENTARY, method);
    Tensor shared = block(s, 0);
    assertTrue(nonZeroColumns(shared) > 0, "no shared direction where the tasks share a common part (seed " + seed + ")");
    for (int k = 1; k <= 2; k++) {
      Tensor own = block(s, k);
      assertTrue(nonZeroColumns(own) > 0, "task " + k + " basis is empty (seed " + seed + ")");
      double leak = Tensors.norm(shared.t().mm(own));
      assertTrue(leak < 1e-5, "|U_sh^T U_" + k + "| = " + leak + " (seed " + seed + ")");
      // its non-zero columns are orthonormal
      Tensor gram = own.t().mm(own);
      Tensor mask = torch.diag(gram).gt(new Scalar(0.5)).to(torch.ScalarType.Double);
      assertTrue(Tensors.norm(gram.sub(torch.diag(mask))) < 1e-5, "task " + k + " basis not orthonormal (seed " + seed + ")");
    }
    assertTrue(captured > 0 && captured <= 1, "captured energy " + captured);
  }

  @ParameterizedTest(name = "G {0}x{1}, null space {2}")
  @CsvSource({"48, 32, false", "48, 32, true", "24, 40, false", "24, 40, true"})
  void everySharedDirectionIsOneWhereTheTasksAgree(long m, long n, boolean withNullSpace) {
    long seed = freshSeed();
    long rankShared = 8;
    SubspaceState s = state(m, n, rankShared, 4, withNullSpace ? Ref.orthonormalColumns(m, 6) : null);
    Tensor gs = randn(m, n), gr = randn(m, n); // independent: S has positive and negative eigenvalues
    refresh(s, gs, gr, Decomposition.COMPLEMENTARY, BasisRefresh.Method.EXACT);
    Tensor hs = shortSide(s, gs), hr = shortSide(s, gr);
    Tensor sym = hs.mm(hr.t()).add(hr.mm(hs.t()));
    double scale = Tensors.norm(sym);
    Tensor shared = block(s, 0);
    double[] norms = columnNorms(shared);
    double sumLambda = 0;
    int kept = 0;
    for (int j = 0; j < norms.length; j++) {
      if (norms[j] == 0) {
        continue;
      }
      kept++;
      Tensor u = shared.narrow(1, j, 1);
      double lambda = u.t().mm(sym).mm(u).item_double();
      double agreement = hs.t().mm(u).t().mm(hr.t().mm(u)).item_double(); // (H_s^T u) . (H_r^T u)
      assertTrue(agreement > 0, "column " + j + ": the tasks' projected gradients disagree: " + agreement + " (seed " + seed + ")");
      assertEquals(lambda / 2, agreement, 1e-9 * scale, "column " + j + " (seed " + seed + ")");
      double residual = Tensors.norm(sym.mm(u).sub(u.mul(new Scalar(lambda))));
      assertTrue(residual < 1e-5 * scale, "column " + j + " is not an eigenvector of S: |S u - lambda u| = " + residual);
      sumLambda += lambda;
    }
    // the kept directions are S's strongest agreement: their eigenvalues are S's top ones (Ky Fan)
    double[] eig = hostDescending(torch.linalg_eigvalsh(sym, "L"));
    assertTrue(eig[0] > 0 && kept > 0, "independent random tasks gave no positive eigenvalue (seed " + seed + ")");
    int expected = 0;
    double top = 0;
    while (expected < rankShared && eig[expected] > ComplementaryBases.AGREEMENT_FRACTION * eig[0]) {
      top += eig[expected++];
    }
    assertEquals(expected, kept, "shared directions (seed " + seed + ")");
    assertEquals(top, sumLambda, 1e-6 * Math.abs(top), "sum of the shared eigenvalues (seed " + seed + ")");
  }

  private static double[] hostDescending(Tensor values) {
    Tensor host = values.flip(0).to(torch.ScalarType.Double).contiguous();
    double[] out = new double[(int) host.numel()];
    new org.bytedeco.javacpp.DoublePointer(host.data_ptr()).get(out);
    return out;
  }

  @ParameterizedTest(name = "G {0}x{1}")
  @CsvSource({"48, 32", "24, 40"})
  void agreementGoesToTheSharedBasisAndConflictToBothTaskBases(long m, long n) {
    long seed = freshSeed();
    boolean right = m >= n;
    long small = Math.min(m, n), large = Math.max(m, n);
    // short side: X on the first 3 of an orthonormal set, Y on the next 4; H_s = X + Y, H_r = X - Y,
    // so S = 2 X X^T - 2 Y Y^T: 3 positive eigenvalues (agreement on X), 4 negative (conflict on Y)
    Tensor q = Ref.orthonormalColumns(small, 7);
    Tensor x = q.narrow(1, 0, 3).mul(Tensors.fromFloats(new float[] {2f, 1.5f, 1f}, 3)).mm(Ref.orthonormalColumns(large, 3).t());
    Tensor y = q.narrow(1, 3, 4).mul(Tensors.fromFloats(new float[] {1.8f, 1.2f, 0.9f, 0.6f}, 4))
        .mm(Ref.orthonormalColumns(large, 4).t());
    Tensor hs = x.add(y), hr = x.sub(y);
    Tensor gs = right ? hs.t().contiguous() : hs, gr = right ? hr.t().contiguous() : hr;
    SubspaceState s = state(m, n, 6, 5, null);
    refresh(s, gs, gr, Decomposition.COMPLEMENTARY, BasisRefresh.Method.EXACT);
    Tensor shared = block(s, 0);
    assertEquals(3, nonZeroColumns(shared), "shared directions (seed " + seed + ")");
    Tensor px = projector(f64(q.narrow(1, 0, 3))), py = projector(f64(q.narrow(1, 3, 4)));
    double gap = Tensors.norm(projector(shared).sub(px));
    assertTrue(gap < 1e-5, "shared basis is not the agreement subspace: |P - P_X| = " + gap + " (seed " + seed + ")");
    for (int k = 1; k <= 2; k++) {
      Tensor own = block(s, k);
      assertEquals(4, nonZeroColumns(own), "task " + k + " directions (seed " + seed + ")");
      double taskGap = Tensors.norm(projector(own).sub(py));
      assertTrue(taskGap < 1e-5, "task " + k + " basis is not the conflict subspace: " + taskGap + " (seed " + seed + ")");
    }
  }

  @ParameterizedTest(name = "G {0}x{1}, {2}")
  @CsvSource({"48, 32, EXACT", "24, 40, EXACT", "48, 32, RANDOMIZED", "24, 40, RANDOMIZED"})
  void weakTaskDirectionsStayOrthogonalToTheSharedBasis(long m, long n, BasisRefresh.Method method) {
    long seed = freshSeed();
    boolean right = m >= n;
    long small = Math.min(m, n), large = Math.max(m, n);
    // as above, with the conflict's singular values spread over four decades: a float32 SVD of the
    // residual leaks ~1e-7 / sigma_j of its weakest directions into the shared basis
    Tensor q = Ref.orthonormalColumns(small, 7);
    Tensor x = q.narrow(1, 0, 3).mul(Tensors.fromFloats(new float[] {2f, 1.5f, 1f}, 3)).mm(Ref.orthonormalColumns(large, 3).t());
    Tensor y = q.narrow(1, 3, 4).mul(Tensors.fromFloats(new float[] {1f, 1e-2f, 1e-3f, 1e-4f}, 4))
        .mm(Ref.orthonormalColumns(large, 4).t());
    Tensor hs = x.add(y), hr = x.sub(y);
    SubspaceState s = state(m, n, 6, 4, null);
    refresh(s, right ? hs.t().contiguous() : hs, right ? hr.t().contiguous() : hr, Decomposition.COMPLEMENTARY, method);
    Tensor shared = block(s, 0);
    for (int k = 1; k <= 2; k++) {
      Tensor own = block(s, k);
      assertEquals(4, nonZeroColumns(own), "task " + k + " directions (seed " + seed + ")");
      double leak = Tensors.norm(shared.t().mm(own));
      assertTrue(leak < 1e-5, "|U_sh^T U_" + k + "| = " + leak + " (seed " + seed + ")");
    }
  }

  @ParameterizedTest(name = "G {0}x{1}, {2}")
  @CsvSource({"48, 32, EXACT", "24, 40, EXACT", "36, 36, EXACT", "200, 120, RANDOMIZED", "120, 200, RANDOMIZED"})
  void identicalTasksGiveTheTopSingularVectorsThenTheNextOnes(long m, long n, BasisRefresh.Method method) {
    long seed = freshSeed();
    long rankShared = 4, rankTask = 3;
    Tensor g = decaying(m, n);
    SubspaceState s = state(m, n, rankShared, rankTask, null);
    refresh(s, g, g.clone(), Decomposition.COMPLEMENTARY, method);
    Tensor h = shortSide(s, g);
    double bound = method == BasisRefresh.Method.EXACT ? 1e-4 : 1e-2; // randomized: 2 power iterations on a 0.8 decay
    double gap = Tensors.norm(projector(block(s, 0)).sub(projector(singularVectors(h, 0, rankShared))));
    assertTrue(gap < 1e-4, "shared basis vs the top singular vectors: " + gap + " (seed " + seed + ")");
    Tensor next = projector(singularVectors(h, rankShared, rankTask));
    for (int k = 1; k <= 2; k++) {
      double taskGap = Tensors.norm(projector(block(s, k)).sub(next));
      assertTrue(taskGap < bound, "task " + k + " basis vs singular vectors 5..7: " + taskGap + " (seed " + seed + ")");
    }
  }

  @ParameterizedTest(name = "G {0}x{1}")
  @CsvSource({"48, 32", "24, 40"})
  void oppositeTasksShareNothing(long m, long n) {
    long seed = freshSeed();
    Tensor g = decaying(m, n);
    SubspaceState s = state(m, n, 4, 3, null);
    refresh(s, g, g.neg(), Decomposition.COMPLEMENTARY, BasisRefresh.Method.EXACT);
    assertEquals(0.0, Tensors.norm(block(s, 0)), 0.0, "shared block of G_r = -G_s (seed " + seed + ")");
    Tensor top = projector(singularVectors(shortSide(s, g), 0, 3));
    for (int k = 1; k <= 2; k++) {
      double gap = Tensors.norm(projector(block(s, k)).sub(top));
      assertTrue(gap < 1e-4, "task " + k + " basis vs the top singular vectors: " + gap + " (seed " + seed + ")");
    }
  }

  @ParameterizedTest(name = "G {0}x{1}, {2}")
  @CsvSource({"48, 32, EXACT", "24, 40, EXACT", "48, 32, RANDOMIZED", "24, 40, RANDOMIZED"})
  void aOneTaskBatchHasGalorersSharedBasis(long m, long n, BasisRefresh.Method method) {
    long seed = freshSeed();
    Tensor k = Ref.orthonormalColumns(m, 5);
    Tensor gs = decaying(m, n).add(randn(m, n).mul(new Scalar(1e-3)));
    SubspaceState complementary = state(m, n, 4, 3, k), reference = state(m, n, 4, 3, k);
    refresh(complementary, gs, null, Decomposition.COMPLEMENTARY, method);
    refresh(reference, gs, null, Decomposition.REFERENCE, method);
    assertTrue(block(complementary, 0).equal(block(reference, 0)), "shared block differs from GaLore's (seed " + seed + ")");
    Tensor own = block(complementary, 1);
    assertTrue(Tensors.norm(block(complementary, 0).t().mm(own)) < 1e-5, "search basis not orthogonal to the shared one");
    assertTrue(block(complementary, 2).equal(own), "the absent task's basis does not follow the present one's");
    if (method == BasisRefresh.Method.EXACT) {
      double gap = Tensors.norm(projector(own).sub(projector(singularVectors(shortSide(complementary, gs), 4, 3))));
      assertTrue(gap < 1e-3, "search basis vs singular vectors 5..7: " + gap + " (seed " + seed + ")");
    }
    // a present task with a zero gradient counts as absent: the same subspaces as above
    SubspaceState zeroRec = state(m, n, 4, 3, k);
    refresh(zeroRec, gs, Tensors.zeros(new long[] {m, n}, null), Decomposition.COMPLEMENTARY, method);
    double gap = Tensors.norm(projector(block(zeroRec, 0)).sub(projector(block(complementary, 0))));
    assertTrue(gap < 1e-5, "zero rec gradient: shared basis moved by " + gap + " (seed " + seed + ")");
  }

  @Test
  void zeroGradientsGiveAZeroBasisAndFiniteMoments() {
    long seed = freshSeed();
    SubspaceState s = state(30, 20, 4, 3, null);
    Tensor[] g = relatedTasks(30, 20);
    refresh(s, g[0], g[1], Decomposition.COMPLEMENTARY, BasisRefresh.Method.EXACT);
    s.expAvg.copy_(randn(Tensors.shape(s.expAvg)));
    s.expAvgSq.copy_(randn(Tensors.shape(s.expAvgSq)).square());
    Tensor zero = Tensors.zeros(new long[] {30, 20}, null);
    double captured = refresh(s, zero, zero.clone(), Decomposition.COMPLEMENTARY, BasisRefresh.Method.EXACT);
    assertEquals(0.0, Tensors.norm(s.basis), 0.0, "basis of zero gradients (seed " + seed + ")");
    assertEquals(0.0, captured);
    assertTrue(Double.isFinite(Tensors.norm(s.expAvg)) && Double.isFinite(Tensors.norm(s.expAvgSq)), "moments not finite");
  }

  @Test
  void withoutTaskSubspacesItIsGalore() {
    for (Method method : new Method[] {Method.GALORE, Method.GEMS}) {
      ToyModel a = new ToyModel(21), b = a.copy();
      GemsConfig.Builder config = GemsConfig.builder().method(method).rankShared(6).rankTask(0).refreshInterval(2)
          .basisMethod(BasisRefresh.Method.RANDOMIZED).seed(3).schedule(GemsOptimizerTest.CONSTANT);
      GemsOptimizer reference = new GemsOptimizer(config.build(), a.targeted(), a.others());
      GemsOptimizer complementary = new GemsOptimizer(config.decomposition(Decomposition.COMPLEMENTARY).build(),
          b.targeted(), b.others());
      GemsOptimizerTest.run(reference, 1, 5);
      GemsOptimizerTest.run(complementary, 1, 5);
      assertTrue(a.w1.equal(b.w1) && a.w2.equal(b.w2), method + " with r_task = 0: complementary differs from reference");
      assertTrue(Tensors.norm(a.w1.sub(new ToyModel(21).w1)) > 0, "weights did not move");
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"EXACT", "RANDOMIZED"})
  void protectedDirectionsNeverMove(BasisRefresh.Method method) {
    ToyModel model = new ToyModel(22);
    ToyModel start = model.copy();
    GemsConfig config = GemsConfig.builder().rankShared(6).rankTask(3).refreshInterval(2).nullSpace(true)
        .basisMethod(method).decomposition(Decomposition.COMPLEMENTARY).schedule(new LrSchedule(0.02, 2, 8, 0.1))
        .seed(5).build();
    GemsOptimizer opt = new GemsOptimizer(config, model.targeted(), model.others());
    opt.setNullBasis("w1", Ref.orthonormalColumns(48, 5));
    opt.setNullBasis("w2", Ref.orthonormalColumns(24, 4));
    GemsOptimizerTest.run(opt, 1, 6);
    for (int i = 0; i < 2; i++) {
      SubspaceState s = opt.subspaces().get(i);
      Tensor w = i == 0 ? model.w1 : model.w2, w0 = i == 0 ? start.w1 : start.w2;
      Tensor k = f64(s.nullBasis), d = f64(w).sub(f64(w0));
      assertTrue(Tensors.norm(d) > 0, s.name + " did not move");
      double leak = Tensors.norm(k.t().mm(d)) / Tensors.norm(d);
      assertTrue(leak < 1e-5, s.name + ": |K^T dW| / |dW| = " + leak);
      // and the bases the steps used are the complementary ones
      Tensor shared = block(s, 0);
      assertTrue(nonZeroColumns(shared) > 0, s.name + ": empty shared block");
      assertTrue(Tensors.norm(shared.t().mm(block(s, 1))) < 1e-5 && Tensors.norm(shared.t().mm(block(s, 2))) < 1e-5,
          s.name + ": task bases overlap the shared one");
    }
  }
}
