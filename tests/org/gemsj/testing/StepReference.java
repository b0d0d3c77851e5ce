package org.gemsj.testing;

import static org.gemsj.testing.Ref.f64;
import static org.gemsj.testing.Ref.s;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * An independent float64 statement of one GEMS step, written as the method reads: explicit
 * projector P = I - K K^T, full-space back-projection, then W <- W - lr (P D) - lr wd P W.
 * It shares nothing with the native code but the definition.
 */
public final class StepReference {
  public Tensor weight, expAvg, expAvgSq;

  /** Inputs as in FusedStep.apply; grads may be null when their count is 0. */
  public static StepReference run(
      Tensor w0, Tensor gs, Tensor gr, long ns, long nr, Tensor basis, long rSh, long rT,
      Tensor m0, Tensor v0, double gateS, double gateR, long step, double lr, double b1,
      double b2, double eps, double alpha, double wd, Tensor k) {
    long m = w0.size(0), n = w0.size(1);
    boolean right = m >= n;
    Tensor w = f64(w0);
    Tensor p = torch.eye(m).to(torch.ScalarType.Double);
    if (k != null) {
      p = p.sub(f64(k).mm(f64(k).t()));
    }
    Tensor zero = torch.zeros(new long[] {m, n}).to(torch.ScalarType.Double);
    Tensor gS = gs == null || ns == 0 ? zero : f64(gs);
    Tensor gR = gr == null || nr == 0 ? zero : f64(gr);
    Tensor gSh = gS.mul(s(ns)).add(gR.mul(s(nr))).div(s(ns + nr));
    Tensor[] grads = {gSh, gS, gR};
    long[] offsets = {0, rSh, rSh + rT};
    long[] ranks = {rSh, rT, rT};
    double[] scales = {alpha, alpha * gateS, alpha * gateR};
    double bc1 = 1 - Math.pow(b1, step), bc2 = 1 - Math.pow(b2, step);
    Tensor b = f64(basis);
    Tensor update = zero.clone();
    Tensor newM = f64(m0).clone(), newV = f64(v0).clone();
    for (int i = 0; i < 3; i++) {
      if (ranks[i] == 0) {
        continue;
      }
      Tensor g = p.mm(grads[i]);
      // rank-major coordinates: right case (B_k G^T), left case (A_k^T G)
      Tensor bk = right ? b.narrow(0, offsets[i], ranks[i]) : b.narrow(1, offsets[i], ranks[i]);
      Tensor coords = right ? bk.mm(g.t()) : bk.t().mm(g);
      Tensor mk = f64(m0).narrow(0, offsets[i], ranks[i]).mul(s(b1)).add(coords.mul(s(1 - b1)));
      Tensor vk =
          f64(v0).narrow(0, offsets[i], ranks[i]).mul(s(b2)).add(coords.mul(coords).mul(s(1 - b2)));
      newM.narrow(0, offsets[i], ranks[i]).copy_(mk);
      newV.narrow(0, offsets[i], ranks[i]).copy_(vk);
      Tensor dir = mk.div(s(bc1)).div(vk.div(s(bc2)).sqrt().add(s(eps))).mul(s(scales[i]));
      Tensor d = right ? dir.t().mm(bk) : bk.mm(dir);
      update = update.add(d);
    }
    StepReference out = new StepReference();
    out.weight = w.sub(p.mm(update).mul(s(lr))).sub(p.mm(w).mul(s(lr * wd)));
    out.expAvg = newM;
    out.expAvgSq = newV;
    return out;
  }
}
