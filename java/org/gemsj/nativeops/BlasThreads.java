package org.gemsj.nativeops;

import org.bytedeco.openblas.presets.openblas_nolapack;

/**
 * OpenBLAS, the BLAS and LAPACK under libtorch here, runs on one thread unless told otherwise.
 * Its threads busy-wait between the many small calls of an SVD or a training step; once the
 * machine has more runnable threads than cores (a second job, a service beside the trainer) they
 * lose their time slices spinning: on a loaded 2-core machine one 1536 x 384 SVD of a basis
 * refresh took 17.5 s on 2 threads against 0.37 s on 1, and a training GEMM 50 ms against 33 ms
 * (`gems bench blas-threads`, docs/PERFORMANCE.md). Switching the count per call is no cure: it
 * grew the native heap by 57 MiB over 500 optimizer steps (OptimizerMemoryTest). libtorch's own
 * OpenMP parallelism is not affected.
 *
 * <p>OPENBLAS_NUM_THREADS in the environment, or {@code -Dgems.openblas.threads=N}, is obeyed instead.
 */
public final class BlasThreads {
  public static final String PROPERTY = "gems.openblas.threads";

  private BlasThreads() {}

  /** The count GEMS-J runs OpenBLAS with: the property, else the environment's, else 1. */
  public static int configured() {
    for (String v : new String[] {System.getProperty(PROPERTY), System.getenv("OPENBLAS_NUM_THREADS")}) {
      if (v != null) {
        try {
          int n = Integer.parseInt(v.trim());
          if (n >= 1) {
            return n;
          }
        } catch (NumberFormatException ignored) {
          // not a count: the next source decides
        }
      }
    }
    return 1;
  }

  /** Applies {@link #configured()} (called once when the native library loads). */
  public static void apply() {
    set(configured());
  }

  /** Sets OpenBLAS's thread count for the whole process (benchmarks compare counts). */
  public static void set(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("OpenBLAS threads must be >= 1, got " + threads);
    }
    openblas_nolapack.blas_set_num_threads(threads);
  }

  public static int current() {
    return openblas_nolapack.blas_get_num_threads();
  }
}
