package org.gemsj.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.nativeops.NativeLibrary;
import org.gemsj.torch.Tensors;

/** Shared test helpers: fresh random tensors, orthonormal bases, relative-error assertions. */
public final class Ref {
  static {
    NativeLibrary.load();
  }

  private Ref() {}

  public static Tensor randn(long... shape) {
    return torch.randn(shape, new TensorOptions(torch.ScalarType.Float));
  }

  /** m x r with orthonormal columns. */
  public static Tensor orthonormalColumns(long m, long r) {
    return torch.linalg_qr(randn(m, r)).get0().contiguous();
  }

  public static Tensor f64(Tensor t) {
    return t.to(torch.ScalarType.Double);
  }

  public static Scalar s(double v) {
    return new Scalar(v);
  }

  /** |actual - expected| / |expected| in float64. */
  public static double relErr(Tensor actual, Tensor expected) {
    Tensor a = f64(actual), e = f64(expected);
    return Tensors.norm(a.sub(e)) / Tensors.norm(e);
  }

  public static void assertRelErr(Tensor actual, Tensor expected, double bound, String what) {
    double err = relErr(actual, expected);
    assertTrue(err < bound, what + ": relative error " + err + " >= " + bound);
  }
}
