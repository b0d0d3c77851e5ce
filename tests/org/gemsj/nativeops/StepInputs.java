package org.gemsj.nativeops;

import static org.gemsj.testing.Ref.orthonormalColumns;
import static org.gemsj.testing.Ref.randn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.testing.StepReference;

/** Fresh random inputs of one fused step, and the call of the op and of the reference. */
final class StepInputs {
  final long m, n, rSh, rT;
  final Tensor w, gs, gr, basis, expAvg, expAvgSq, k;
  long ns = 5, nr = 3;
  double gateS = 0.6, gateR = 0.4, lr = 0.05, wd = 0.01, alpha = 1.0;
  long step = 4;

  StepInputs(long m, long n, long rSh, long rT, long nullRank) {
    this.m = m;
    this.n = n;
    this.rSh = rSh;
    this.rT = rT;
    long r = rSh + 2 * rT;
    long longSide = Math.max(m, n);
    w = randn(m, n).mul(new org.bytedeco.pytorch.Scalar(0.02));
    gs = randn(m, n);
    gr = randn(m, n).mul(new org.bytedeco.pytorch.Scalar(0.5));
    basis = basis(m, n, new long[] {rSh, rT, rT});
    expAvg = randn(r, longSide).mul(new org.bytedeco.pytorch.Scalar(0.1));
    expAvgSq = torch.rand(r, longSide).add(new org.bytedeco.pytorch.Scalar(0.01));
    k = nullRank > 0 ? orthonormalColumns(m, nullRank) : null;
  }

  /** Another set of inputs with the same values (the null basis is shared). */
  StepInputs twin() {
    StepInputs t = new StepInputs(m, n, rSh, rT, 0);
    for (Tensor[] pair : new Tensor[][] {{t.w, w}, {t.gs, gs}, {t.gr, gr}, {t.basis, basis}, {t.expAvg, expAvg},
        {t.expAvgSq, expAvgSq}}) {
      pair[0].copy_(pair[1]);
    }
    return t;
  }

  /** Per-block orthonormal bases, concatenated as the op expects. */
  static Tensor basis(long m, long n, long[] ranks) {
    TensorVector blocks = new TensorVector();
    for (long r : ranks) {
      if (r > 0) {
        blocks.push_back(m >= n ? orthonormalColumns(n, r).t().contiguous() : orthonormalColumns(m, r));
      }
    }
    return torch.cat(blocks, m >= n ? 0 : 1).contiguous();
  }

  StepReference reference() {
    return StepReference.run(w, gs, gr, ns, nr, basis, rSh, rT, expAvg, expAvgSq, gateS, gateR,
        step, lr, 0.9, 0.999, 1e-6, alpha, wd, k);
  }

  void applyNative() {
    FusedStep.apply(w, new FusedStep.Task(ns > 0 ? gs : null, ns, gateS),
        new FusedStep.Task(nr > 0 ? gr : null, nr, gateR), basis, rSh, rT, expAvg, expAvgSq, step,
        new FusedStep.Hyper(lr, 0.9, 0.999, 1e-6, alpha, wd), k);
  }
}
