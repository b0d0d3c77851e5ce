package org.gemsj.nativeops;

import org.bytedeco.openblas.presets.openblas_nolapack;

/**
 * How many threads OpenBLAS (the BLAS and LAPACK under libtorch here) uses. By default OpenBLAS
 * keeps its own choice (OPENBLAS_NUM_THREADS, else one per core): on an idle machine two threads
 * make training about 1.7x faster than one (the demo: 1.4 s against 2.5 s a step on 2 cores).
 * But OpenBLAS's threads busy-wait, and once the machine has more runnable threads than cores (a
 * second job, a service beside the trainer) they lose their time slices spinning: on a loaded
 * 2-core machine one 1536 x 384 SVD of a basis refresh took 17.5 s on 2 threads against 0.37 s
 * on 1 (`gems bench blas-threads`, docs/PERFORMANCE.md). On a shared machine run with
 * OPENBLAS_NUM_THREADS=1 or {@code -Dgems.openblas.threads=1}; `gems study` does for its runs.
 * Switching the count per call is no cure: it grew the native heap by 57 MiB over 500 optimizer
 * steps, so the count is set once, when the native library loads.
 */
public final class BlasThreads {
  public static final String PROPERTY = "gems.openblas.threads";

  private BlasThreads() {}

  /** The count asked for: the property, else the environment's; 0 when neither (OpenBLAS's default). */
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
    return 0;
  }

  /** Applies the property when given (OpenBLAS reads the environment itself); called when the native library loads. */
  public static void apply() {
    int n = configured();
    if (n > 0) {
      set(n);
    }
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
