package org.gemsj.nativeops;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of native/include/gems.h. Tensors travel as their handles: pass an
 * {@code org.bytedeco.pytorch.Tensor} (its address is the at::Tensor* that the C API takes).
 * Use the checked wrappers ({@link FusedStep}, {@link BasisRefresh}, {@link NullSpace}) rather
 * than these raw calls; they validate inputs and turn error codes into exceptions.
 */
@Platform(include = "gems.h", link = "gems", preload = "gems_cuda")
final class GemsNative {
  static {
    NativeLibrary.load();
  }

  private GemsNative() {}

  public static final int GEMS_BASIS_EXACT = 0;
  public static final int GEMS_BASIS_RANDOMIZED = 1;
  public static final int GEMS_NULL_EIGENVALUE = 0;
  public static final int GEMS_NULL_ENERGY = 1;

  public static native @Cast("const char*") BytePointer gems_last_error();

  public static native int gems_cuda_available();

  public static native long gems_native_heap_bytes();

  public static native @Cast("const char*") BytePointer gems_registration_error();

  public static native int gems_fused_step(
      @Cast("AtenTensorHandle") Pointer weight,
      @Cast("AtenTensorHandle") Pointer gradSearch,
      @Cast("AtenTensorHandle") Pointer gradRec,
      long countSearch,
      long countRec,
      @Cast("AtenTensorHandle") Pointer basis,
      long rankShared,
      long rankTask,
      @Cast("AtenTensorHandle") Pointer expAvg,
      @Cast("AtenTensorHandle") Pointer expAvgSq,
      double gateSearch,
      double gateRec,
      long step,
      double lr,
      double beta1,
      double beta2,
      double eps,
      double alpha,
      double weightDecay,
      @Cast("AtenTensorHandle") Pointer nullBasis);

  public static native int gems_refresh_basis(
      @Cast("AtenTensorHandle") Pointer grad,
      long rank,
      int method,
      long oversample,
      long powerIters,
      @Cast("uint64_t") long seed,
      @Cast("AtenTensorHandle") Pointer out,
      DoublePointer energy);

  public static native int gems_null_space_basis(
      @Cast("AtenTensorHandle") Pointer secondMoment,
      int rule,
      double threshold,
      double minNullFraction,
      @Cast("AtenTensorHandle") Pointer eigenvectorsOut,
      @Cast("AtenTensorHandle") Pointer eigenvaluesOut,
      @Cast("int64_t*") LongPointer protectedCount);
}
