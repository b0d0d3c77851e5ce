package org.gemsj.testing;

import static org.gemsj.testing.Ref.f64;
import static org.gemsj.testing.Ref.s;

import org.bytedeco.pytorch.T_TensorTensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * GaLore for one weight in float64, written from its definition: every T steps the basis is the
 * top-r singular vectors of the gradient (libtorch's linalg_svd), Adam runs on the projected
 * gradient, the direction is projected back and scaled by alpha, AdamW-style decay. With
 * {@code reproject}, the moments are mapped to the new basis as m' = C m, v' = max((C o C) v, (bc2 / bc1^2) m'^2).
 */
public final class GaloreReference {
  public Tensor weight;
  private Tensor basis, m, v;
  private final int rank, interval;
  private final double lr, alpha, wd, eps;
  private final boolean reproject;
  private long step;

  public GaloreReference(Tensor w0, int rank, int interval, double lr, double alpha, double wd, double eps, boolean reproject) {
    this.weight = f64(w0).clone();
    this.rank = rank;
    this.interval = interval;
    this.lr = lr;
    this.alpha = alpha;
    this.wd = wd;
    this.eps = eps;
    this.reproject = reproject;
  }

  /** One step; at a refresh, each new basis vector's sign follows {@code signsOf} (same layout). */
  public void step(Tensor gradient, Tensor signsOf) {
    Tensor g = f64(gradient);
    boolean right = g.size(0) >= g.size(1);
    step++;
    if ((step - 1) % interval == 0) {
      // Singular vectors of the small side, as left singular vectors (the sign convention the
      // native op uses: KEEP depends on it, REPROJECT does not).
      Tensor small = right ? g.t() : g;
      T_TensorTensorTensor_T svd = torch.linalg_svd(small, false, new org.bytedeco.pytorch.StringViewOptional());
      Tensor top = svd.get0().narrow(1, 0, rank);
      Tensor fresh = right ? top.t() : top;
      Tensor agree = right ? fresh.mul(f64(signsOf)).sum(1).sign() : fresh.mul(f64(signsOf)).sum(0).sign();
      fresh = right ? fresh.mul(agree.unsqueeze(1)) : fresh.mul(agree);
      long longSide = Math.max(g.size(0), g.size(1));
      if (basis == null) {
        m = torch.zeros(rank, longSide).to(torch.ScalarType.Double);
        v = torch.zeros(rank, longSide).to(torch.ScalarType.Double);
      } else if (reproject) {
        Tensor change = right ? fresh.mm(basis.t()) : fresh.t().mm(basis);
        m = change.mm(m);
        long taken = step - 1; // v_hat' >= m_hat'^2 in the bias corrections of the steps taken
        double floor = (1 - Math.pow(0.999, taken)) / Math.pow(1 - Math.pow(0.9, taken), 2);
        v = torch.maximum(change.mul(change).mm(v), m.mul(m).mul(s(floor)));
      }
      basis = fresh;
    }
    Tensor coords = right ? basis.mm(g.t()) : basis.t().mm(g);
    m = m.mul(s(0.9)).add(coords.mul(s(0.1)));
    v = v.mul(s(0.999)).add(coords.mul(coords).mul(s(0.001)));
    double bc1 = 1 - Math.pow(0.9, step), bc2 = 1 - Math.pow(0.999, step);
    Tensor dir = m.div(s(bc1)).div(v.div(s(bc2)).sqrt().add(s(eps))).mul(s(alpha));
    Tensor update = right ? dir.t().mm(basis) : basis.mm(dir);
    weight = weight.sub(update.mul(s(lr))).sub(weight.mul(s(lr * wd)));
  }
}
