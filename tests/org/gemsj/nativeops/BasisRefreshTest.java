package org.gemsj.nativeops;

import static org.gemsj.testing.Ref.f64;
import static org.gemsj.testing.Ref.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.T_TensorTensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.torch.Tensors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BasisRefreshTest {

  /** A matrix with a decaying spectrum (as gradients have): U diag(s) V^T, s_i = 0.8^i. */
  static Tensor decaying(long m, long n) {
    long k = Math.min(m, n);
    Tensor u = org.gemsj.testing.Ref.orthonormalColumns(m, k);
    Tensor v = org.gemsj.testing.Ref.orthonormalColumns(n, k);
    Tensor s = torch.pow(new org.bytedeco.pytorch.Scalar(0.8), torch.arange(new org.bytedeco.pytorch.Scalar(k)).to(torch.ScalarType.Float));
    return u.mul(s).mm(v.t()).add(randn(m, n).mul(new org.bytedeco.pytorch.Scalar(1e-3)));
  }

  /** Projector onto the span of a basis in the op's layout (rows when m >= n, columns else). */
  static Tensor projector(Tensor basis, boolean rows) {
    Tensor b = f64(basis);
    return rows ? b.t().mm(b) : b.mm(b.t());
  }

  @ParameterizedTest(name = "exact, G {0}x{1}, rank {2}")
  @CsvSource({"40, 24, 5", "24, 40, 5", "30, 30, 30", "40, 24, 1", "24, 40, 24"})
  void exactMatchesLibtorchSvd(long m, long n, long rank) {
    Tensor g = randn(m, n);
    boolean right = m >= n;
    Tensor out = Tensors.empty(BasisRefresh.basisShape(m, n, rank), null);
    double energy = BasisRefresh.refresh(g, rank, BasisRefresh.Method.EXACT, BasisRefresh.Options.defaults(1), out);

    T_TensorTensorTensor_T svd = torch.linalg_svd(f64(g), false, new org.bytedeco.pytorch.StringViewOptional());
    Tensor expected = right ? svd.get2().narrow(0, 0, rank) : svd.get0().narrow(1, 0, rank);
    double gap = Tensors.norm(projector(out, right).sub(projector(expected, right)));
    assertTrue(gap < 1e-4 * Math.sqrt(rank), "subspace differs from libtorch's SVD by " + gap);
    Tensor s2 = svd.get1().square();
    double expectedEnergy = s2.narrow(0, 0, rank).sum().item_double() / s2.sum().item_double();
    assertEquals(expectedEnergy, energy, 1e-5);
  }

  @ParameterizedTest(name = "randomized, G {0}x{1}, rank {2}")
  @CsvSource({"200, 120, 10", "120, 200, 10", "150, 150, 20", "200, 120, 1"})
  void randomizedCapturesTheTopEnergy(long m, long n, long rank) {
    Tensor g = decaying(m, n);
    Tensor exact = Tensors.empty(BasisRefresh.basisShape(m, n, rank), null);
    Tensor fast = Tensors.empty(BasisRefresh.basisShape(m, n, rank), null);
    double eExact = BasisRefresh.refresh(g, rank, BasisRefresh.Method.EXACT, BasisRefresh.Options.defaults(1), exact);
    double eFast = BasisRefresh.refresh(g, rank, BasisRefresh.Method.RANDOMIZED, BasisRefresh.Options.defaults(7), fast);
    assertTrue(eFast / eExact > 0.99, "randomized captured " + eFast + " vs exact " + eExact);
    // The reported energy is what the returned basis really captures.
    boolean right = m >= n;
    Tensor captured = right ? f64(g).mm(f64(fast).t()) : f64(fast).t().mm(f64(g));
    double measured = Math.pow(Tensors.norm(captured) / Tensors.norm(f64(g)), 2);
    assertEquals(measured, eFast, 1e-4);
    // Orthonormal basis.
    Tensor gram = right ? f64(fast).mm(f64(fast).t()) : f64(fast).t().mm(f64(fast));
    assertTrue(Tensors.norm(gram.sub(torch.eye(rank).to(torch.ScalarType.Double))) < 1e-4);
  }

  @ParameterizedTest(name = "same seed, same basis: {0}")
  @CsvSource({"3", "99"})
  void randomizedIsDeterministicPerSeed(long seed) {
    Tensor g = decaying(64, 48);
    Tensor a = Tensors.empty(new long[] {6, 48}, null), b = Tensors.empty(new long[] {6, 48}, null);
    BasisRefresh.refresh(g, 6, BasisRefresh.Method.RANDOMIZED, BasisRefresh.Options.defaults(seed), a);
    BasisRefresh.refresh(g, 6, BasisRefresh.Method.RANDOMIZED, BasisRefresh.Options.defaults(seed), b);
    assertTrue(a.equal(b));
  }

  @org.junit.jupiter.api.Test
  void writesIntoAViewOfAConcatenatedBasis() {
    Tensor g = randn(20, 30); // m < n: columns
    Tensor concatenated = Tensors.zeros(new long[] {20, 9}, null);
    BasisRefresh.refresh(g, 3, BasisRefresh.Method.EXACT, BasisRefresh.Options.defaults(1), concatenated.narrow(1, 4, 3));
    assertEquals(0.0, Tensors.norm(concatenated.narrow(1, 0, 4)), 0.0);
    assertEquals(Math.sqrt(3), Tensors.norm(concatenated.narrow(1, 4, 3)), 1e-4);
  }

  @org.junit.jupiter.api.Test
  void acceptsATransposedGradient() {
    Tensor g = decaying(50, 80).t(); // 80 x 50, column-major
    for (BasisRefresh.Method method : BasisRefresh.Method.values()) {
      Tensor fromView = Tensors.empty(new long[] {4, 50}, null), fromCopy = Tensors.empty(new long[] {4, 50}, null);
      double e1 = BasisRefresh.refresh(g, 4, method, BasisRefresh.Options.defaults(2), fromView);
      double e2 = BasisRefresh.refresh(g.contiguous(), 4, method, BasisRefresh.Options.defaults(2), fromCopy);
      assertEquals(e2, e1, 1e-5, method + " energy");
      double gap = Tensors.norm(projector(fromView, true).sub(projector(fromCopy, true)));
      assertTrue(gap < 1e-3, method + " subspace differs by " + gap);
    }
  }

  /** AUTO is EXACT up to min(m, n) = 1024 and RANDOMIZED above; a refresh with AUTO is the one it resolves to. */
  @org.junit.jupiter.api.Test
  void autoResolvesByTheSmallerSide() {
    assertEquals(BasisRefresh.Method.EXACT, BasisRefresh.Method.AUTO.forShape(1024, 4096));
    assertEquals(BasisRefresh.Method.EXACT, BasisRefresh.Method.AUTO.forShape(4096, 1024));
    assertEquals(BasisRefresh.Method.RANDOMIZED, BasisRefresh.Method.AUTO.forShape(1025, 2000));
    assertEquals(BasisRefresh.Method.EXACT, BasisRefresh.Method.EXACT.forShape(5000, 5000));
    assertEquals(BasisRefresh.Method.RANDOMIZED, BasisRefresh.Method.RANDOMIZED.forShape(10, 10));
    Tensor g = decaying(60, 40);
    Tensor auto = Tensors.empty(BasisRefresh.basisShape(60, 40, 6), null);
    Tensor exact = Tensors.empty(BasisRefresh.basisShape(60, 40, 6), null);
    double eAuto = BasisRefresh.refresh(g, 6, BasisRefresh.Method.AUTO, BasisRefresh.Options.defaults(3), auto);
    double eExact = BasisRefresh.refresh(g, 6, BasisRefresh.Method.EXACT, BasisRefresh.Options.defaults(3), exact);
    assertEquals(eExact, eAuto, 0);
    assertEquals(0, Tensors.norm(auto.sub(exact)), 0);
  }
}
