package org.gemsj.nativeops;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.pytorch.Tensor;

/**
 * Top-r subspace bases of a gradient by GaLore's rule (native op {@code gems::refresh_basis}):
 * for G of shape m x n, rows of right singular vectors (r x n) when m &gt;= n, columns of left
 * singular vectors (m x r) otherwise.
 */
public final class BasisRefresh {
  private BasisRefresh() {}

  /** How the basis is computed (the one enum for it: the optimizer's GemsConfig takes it too). */
  public enum Method {
    /** Truncated SVD: exact, costs a full SVD of the gradient. */
    EXACT(GemsNative.GEMS_BASIS_EXACT),
    /** Randomized range finder with subspace iteration: for large matrices. */
    RANDOMIZED(GemsNative.GEMS_BASIS_RANDOMIZED),
    /** EXACT up to min(m, n) = {@value #AUTO_RANDOMIZED_ABOVE}, RANDOMIZED above. */
    AUTO(-1);

    public static final long AUTO_RANDOMIZED_ABOVE = 1024;
    final int code;

    Method(int code) {
      this.code = code;
    }

    /** The method used for an m x n gradient: AUTO resolved, the others as they are. */
    public Method forShape(long m, long n) {
      return this != AUTO ? this : Math.min(m, n) > AUTO_RANDOMIZED_ABOVE ? RANDOMIZED : EXACT;
    }
  }

  /** Options of the randomized method; ignored by the exact one. */
  public record Options(long oversample, long powerIters, long seed) {
    public static Options defaults(long seed) {
      return new Options(8, 2, seed);
    }
  }

  /** Shape of the basis of a rank-r refresh for an m x n gradient. */
  public static long[] basisShape(long m, long n, long rank) {
    return m >= n ? new long[] {rank, n} : new long[] {m, rank};
  }

  /**
   * Writes the top-{@code rank} basis of {@code grad} into {@code out} (which may be a view of a
   * concatenated basis) and returns the fraction of ||G||_F^2 it captures.
   */
  public static double refresh(Tensor grad, long rank, Method method, Options options, Tensor out) {
    NativeLibrary.load();
    try (DoublePointer energy = new DoublePointer(1)) {
      GemsOpException.check(
          GemsNative.gems_refresh_basis(
              grad, rank, method.forShape(grad.size(0), grad.size(1)).code, options.oversample(), options.powerIters(), options.seed(), out, energy));
      return energy.get();
    }
  }
}
