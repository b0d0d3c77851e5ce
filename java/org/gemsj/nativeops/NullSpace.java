package org.gemsj.nativeops;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Splits the eigenvectors of a layer's output-activation second moment C = mean(y y^T) into
 * the dominant directions that carry general knowledge (protected, K) and the null space where
 * fine-tuning may move the weight (native op {@code gems::null_space_basis}).
 */
public final class NullSpace {
  private NullSpace() {}

  /** Which eigenvectors are protected. */
  public enum Rule {
    /** Those with eigenvalue &gt;= threshold (the reference keeps eigenvalue &lt; 2e-2 free). */
    EIGENVALUE(GemsNative.GEMS_NULL_EIGENVALUE),
    /** The leading ones that hold a {@code threshold} fraction of the trace. */
    ENERGY(GemsNative.GEMS_NULL_ENERGY);

    final int code;

    Rule(int code) {
      this.code = code;
    }
  }

  /** The split: all eigenvectors (columns, descending eigenvalue), eigenvalues, and k. */
  public record Split(Tensor eigenvectors, Tensor eigenvalues, long protectedCount) implements AutoCloseable {
    /** K, the m x k protected directions: a view of the first k eigenvector columns. */
    public Tensor protectedBasis() {
      return eigenvectors.narrow(1, 0, protectedCount);
    }

    @Override
    public void close() {
      eigenvectors.close();
      eigenvalues.close();
    }
  }

  /**
   * Computes the split of {@code secondMoment} (m x m, symmetric, float32 or float64; float64 is
   * decomposed in float64). The eigenvectors and eigenvalues come back as float32.
   *
   * @param minNullFraction at least this fraction of the m directions stays free (reference 0.05)
   */
  public static Split split(Tensor secondMoment, Rule rule, double threshold, double minNullFraction) {
    NativeLibrary.load();
    long m = secondMoment.dim() == 2 ? secondMoment.size(0) : 0;
    var options = new TensorOptions(torch.ScalarType.Float).device(
        new DeviceOptional(secondMoment.device()));
    Tensor vectors = torch.empty(new long[] {m, m}, options, null);
    Tensor values = torch.empty(new long[] {m}, options, null);
    try (LongPointer k = new LongPointer(1)) {
      GemsOpException.check(
          GemsNative.gems_null_space_basis(
              secondMoment, rule.code, threshold, minNullFraction, vectors, values, k));
      return new Split(vectors, values, k.get());
    } catch (RuntimeException e) {
      vectors.close();
      values.close();
      throw e;
    }
  }
}
