package org.gemsj.nativeops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.openblas.presets.openblas_nolapack;
import org.bytedeco.pytorch.Tensor;
import org.gemsj.testing.Ref;
import org.junit.jupiter.api.Test;

/** LAPACK work sees one OpenBLAS thread; the caller's setting is back afterwards, also after an error. */
class LapackThreadsTest {
  @Test
  void oneThreadInsideTheCallersSettingAfter() {
    NativeLibrary.load();
    openblas_nolapack.blas_set_num_threads(2);
    AtomicInteger inside = new AtomicInteger();
    LapackThreads.single(() -> {
      inside.set(openblas_nolapack.blas_get_num_threads());
      return LapackThreads.single(() -> 0); // nested: still one, and the outer restore wins
    });
    assertEquals(1, inside.get());
    assertEquals(2, openblas_nolapack.blas_get_num_threads());

    Tensor g = Ref.randn(40, 24);
    Tensor out = Ref.randn(BasisRefresh.basisShape(40, 24, 4));
    BasisRefresh.refresh(g, 4, BasisRefresh.Method.EXACT, BasisRefresh.Options.defaults(1), out);
    assertEquals(2, openblas_nolapack.blas_get_num_threads());
    try {
      BasisRefresh.refresh(g, 99, BasisRefresh.Method.EXACT, BasisRefresh.Options.defaults(1), out); // bad rank
    } catch (RuntimeException expected) {
      // reported as a GemsOpException; the thread count must be restored anyway
    }
    assertEquals(2, openblas_nolapack.blas_get_num_threads());
  }
}
