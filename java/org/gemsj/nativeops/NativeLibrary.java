package org.gemsj.nativeops;

import org.bytedeco.javacpp.Loader;

/**
 * Loads libtorch (through bytedeco's presets) and then libgems with its JNI glue. Order
 * matters: libgems resolves libtorch_cpu.so by soname against the copy already loaded.
 */
public final class NativeLibrary {
  private static volatile boolean loaded;

  private NativeLibrary() {}

  public static synchronized void load() {
    if (loaded) {
      return;
    }
    Loader.load(org.bytedeco.pytorch.global.torch.class);
    BlasThreads.apply();
    loaded = true; // set before loading GemsNative: its static initializer calls back here
    try {
      Loader.load(GemsNative.class);
    } catch (Throwable t) {
      loaded = false;
      throw new IllegalStateException("could not load libgems (the native GEMS ops): " + t, t);
    }
  }

  /** Why the gems:: ops are not in libtorch's dispatcher ("" when they are registered). */
  public static String dispatcherRegistrationError() {
    load();
    return GemsNative.gems_registration_error().getString();
  }

  /** Bytes of native heap in use (where libtorch's CPU tensors live), or -1 if unknown. */
  public static long nativeHeapBytes() {
    load();
    return GemsNative.gems_native_heap_bytes();
  }

  /** True when the CUDA kernels are present and loadable. */
  public static boolean cudaKernelsAvailable() {
    load();
    return GemsNative.gems_cuda_available() != 0;
  }
}
