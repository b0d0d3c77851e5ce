package org.gemsj.nativeops;

import static org.gemsj.testing.Ref.assertRelErr;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.torch.Tensors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The CUDA kernels agree with the CPU ones. Skipped where libtorch sees no GPU (CPU builds). */
class CudaOpsTest {
  @BeforeEach
  void needsAGpu() {
    NativeLibrary.load();
    assumeTrue(torch.cuda_is_available(), "no CUDA device visible to libtorch (CPU build or no GPU)");
    assumeTrue(NativeLibrary.cudaKernelsAvailable(), "libgems_cuda.so not built (no nvcc at build time)");
  }

  static Tensor cuda(Tensor t) {
    return t == null ? null : t.to(new Device("cuda"), torch.ScalarType.Float).contiguous();
  }

  @Test
  void fusedStepOnCudaMatchesCpu() {
    for (long[] shape : new long[][] {{48, 32, 8, 4, 6}, {32, 48, 8, 4, 6}, {40, 40, 40, 40, 0}}) {
      StepInputs cpu = new StepInputs(shape[0], shape[1], shape[2], shape[3], shape[4]);
      Tensor w = cuda(cpu.w), m = cuda(cpu.expAvg), v = cuda(cpu.expAvgSq);
      FusedStep.apply(w, new FusedStep.Task(cuda(cpu.gs), cpu.ns, cpu.gateS),
          new FusedStep.Task(cuda(cpu.gr), cpu.nr, cpu.gateR), cuda(cpu.basis), cpu.rSh, cpu.rT, m, v,
          cpu.step, new FusedStep.Hyper(cpu.lr, 0.9, 0.999, 1e-6, cpu.alpha, cpu.wd), cuda(cpu.k));
      Tensor w0 = cpu.w.clone();
      cpu.applyNative();
      assertRelErr(w.cpu().sub(w0), cpu.w.sub(w0), 1e-5, "weight update");
      assertRelErr(m.cpu(), cpu.expAvg, 1e-5, "exp_avg");
    }
  }

  @Test
  void basisRefreshOnCudaMatchesCpu() {
    Tensor g = org.gemsj.testing.Ref.randn(64, 40);
    Tensor onCpu = Tensors.empty(new long[] {5, 40}, null);
    Tensor onGpu = Tensors.empty(new long[] {5, 40}, cuda(g));
    BasisRefresh.refresh(g, 5, BasisRefresh.Method.RANDOMIZED, BasisRefresh.Options.defaults(3), onCpu);
    BasisRefresh.refresh(cuda(g), 5, BasisRefresh.Method.RANDOMIZED, BasisRefresh.Options.defaults(3), onGpu);
    Tensor pc = onCpu.t().mm(onCpu), pg = onGpu.cpu().t().mm(onGpu.cpu());
    assertRelErr(pg, pc, 1e-4, "subspace projector");
  }
}
