package org.gemsj.nativeops;

import static org.gemsj.testing.Ref.f64;
import static org.gemsj.testing.Ref.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.torch.Tensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NullSpaceTest {

  /** mean(y y^T) of n activations whose scale decays across directions. */
  static Tensor secondMoment(long m, long samples) {
    Tensor scales = torch.pow(new Scalar(0.85), torch.arange(new Scalar(m)).to(torch.ScalarType.Float));
    Tensor y = randn(samples, m).mul(scales);
    return y.t().mm(y).div(new Scalar(samples));
  }

  @ParameterizedTest(name = "eigenvalue rule, m {0}, threshold {1}")
  @CsvSource({"32, 0.02, 0.05", "48, 0.1, 0.05", "16, 1e-9, 0.25", "24, 100, 0.0"})
  void eigenvalueRuleMatchesLibtorchEigh(long m, double threshold, double minFree) {
    Tensor c = secondMoment(m, 4 * m);
    try (NullSpace.Split split = NullSpace.split(c, NullSpace.Rule.EIGENVALUE, threshold, minFree)) {
      T_TensorTensor_T ref = torch.linalg_eigh(f64(c));
      Tensor values = ref.get0(); // ascending
      long above = 0;
      for (long i = 0; i < m; i++) {
        if (values.get(i).item_double() >= threshold) {
          above++;
        }
      }
      long expected = Math.min(above, m - (long) Math.ceil(minFree * m - 1e-9));
      assertEquals(expected, split.protectedCount());
      Tensor descending = values.flip(0);
      assertTrue(Tensors.norm(f64(split.eigenvalues()).sub(descending)) < 1e-4 * Tensors.norm(descending));
      // K spans libtorch's top-k eigenvectors.
      long k = split.protectedCount();
      if (k > 0) {
        Tensor kRef = ref.get1().flip(1).narrow(1, 0, k);
        Tensor kOurs = f64(split.protectedBasis());
        double gap = Tensors.norm(kOurs.mm(kOurs.t()).sub(kRef.mm(kRef.t())));
        assertTrue(gap < 1e-3, "protected subspace differs by " + gap);
      }
    }
  }

  @Test
  void energyRuleKeepsTheRequestedShareOfTheTrace() {
    Tensor c = secondMoment(40, 160);
    try (NullSpace.Split split = NullSpace.split(c, NullSpace.Rule.ENERGY, 0.9, 0.05)) {
      double[] v = new double[40];
      double total = 0;
      for (int i = 0; i < 40; i++) {
        v[i] = split.eigenvalues().get(i).item_double();
        total += v[i];
      }
      long k = split.protectedCount();
      double kept = 0;
      for (int i = 0; i < k; i++) {
        kept += v[i];
      }
      assertTrue(kept >= 0.9 * total - 1e-6 * total, "kept " + kept / total);
      assertTrue(kept - v[(int) k - 1] < 0.9 * total, "k is not minimal");
    }
  }

  /** Eigenvalues from 1 down to 1e-10: float64 input keeps the small ones that float32 would drown. */
  @Test
  void float64InputIsSplitInFloat64() {
    long m = 31;
    Tensor q = torch.linalg_qr(f64(randn(m, m)), "reduced").get0();
    Tensor lambda = torch.pow(new Scalar(10.0), torch.arange(new Scalar(m)).to(torch.ScalarType.Double)
        .mul(new Scalar(-1.0 / 3)));
    Tensor c = q.mul(lambda.unsqueeze(0)).mm(q.t());
    try (NullSpace.Split split = NullSpace.split(c, NullSpace.Rule.EIGENVALUE, 1e-8 * 1.5, 0.0)) {
      assertEquals(24, split.protectedCount()); // 10^(-i/3) >= 1.5e-8 for i <= 23
      for (int i = 0; i < m; i++) {
        double expected = lambda.get(i).item_double(), actual = split.eigenvalues().get(i).item_double();
        assertEquals(expected, actual, 1e-5 * expected, "eigenvalue " + i);
      }
    }
    Tensor c32 = c.to(torch.ScalarType.Float);
    try (NullSpace.Split split = NullSpace.split(c32, NullSpace.Rule.EIGENVALUE, 1e-8 * 1.5, 0.0)) {
      double smallest = split.eigenvalues().get(m - 1).item_double();
      assertTrue(Math.abs(smallest - 1e-10) > 1e-5 * 1e-10, "float32 would do as well: the test could not tell");
    }
  }

  @Test
  void rejectsANonSquareMatrix() {
    GemsOpException e = org.junit.jupiter.api.Assertions.assertThrows(GemsOpException.class,
        () -> NullSpace.split(randn(4, 5), NullSpace.Rule.EIGENVALUE, 0.02, 0.05));
    assertTrue(e.getMessage().contains("gems.null_space_basis") && e.getMessage().contains("[4, 5]"), e.getMessage());
  }
}
