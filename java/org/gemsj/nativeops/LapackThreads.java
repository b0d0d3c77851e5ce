package org.gemsj.nativeops;

import java.util.function.Supplier;
import org.bytedeco.openblas.presets.openblas_nolapack;

/**
 * Runs LAPACK-heavy work (the SVDs of a basis refresh, the eigendecomposition of the null space)
 * with one OpenBLAS thread. OpenBLAS's threads busy-wait between the many small BLAS calls of an
 * SVD; as soon as the machine has more runnable threads than cores they lose their slices while
 * spinning, and one 1536 x 384 SVD took 17.5 s with 2 threads against 0.37 s with 1 on a loaded
 * 2-core machine (docs/PERFORMANCE.md). The setting is process-wide and restored afterwards.
 */
final class LapackThreads {
  private static final Object LOCK = new Object();
  private static int depth;
  private static int saved;

  private LapackThreads() {}

  /** OpenBLAS's default: OPENBLAS_NUM_THREADS when set, else one thread per core. */
  static int defaultThreads() {
    String env = System.getenv("OPENBLAS_NUM_THREADS");
    try {
      if (env != null && Integer.parseInt(env.trim()) > 0) {
        return Integer.parseInt(env.trim());
      }
    } catch (NumberFormatException ignored) {
      // not a number: OpenBLAS ignores it too
    }
    return Runtime.getRuntime().availableProcessors();
  }

  static <T> T single(Supplier<T> work) {
    enter();
    try {
      return work.get();
    } finally {
      exit();
    }
  }

  private static void enter() {
    synchronized (LOCK) {
      if (depth++ == 0) {
        saved = openblas_nolapack.blas_get_num_threads();
        if (saved < 1) { // the binding cannot tell: OpenBLAS's own default
          saved = defaultThreads();
        }
        openblas_nolapack.blas_set_num_threads(1);
      }
    }
  }

  private static void exit() {
    synchronized (LOCK) {
      if (--depth == 0) {
        openblas_nolapack.blas_set_num_threads(saved);
      }
    }
  }
}
