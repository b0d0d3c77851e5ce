package org.gemsj.optim;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.gemsj.torch.Tensors;

/** Plain AdamW for one parameter (embeddings, norms, biases, heads; everything under ADAMW). */
final class AdamWState {
  final String name;
  final Tensor param;
  final Tensor expAvg;
  final Tensor expAvgSq;

  AdamWState(String name, Tensor param) {
    this.name = name;
    this.param = param;
    this.expAvg = Tensors.keep(Tensors.zeros(Tensors.shape(param), param));
    this.expAvgSq = Tensors.keep(Tensors.zeros(Tensors.shape(param), param));
  }

  long stateBytes() {
    return 4 * (expAvg.numel() + expAvgSq.numel());
  }

  /** A gradient's part of the update (up to lr / bc1): divided by the step's sqrt(v_hat) + eps. */
  Tensor preconditioned(Tensor grad, double weight, long step, GemsConfig c) {
    double bc2 = 1 - Math.pow(c.beta2(), step);
    return grad.mul(new Scalar(weight)).div(expAvgSq.div(new Scalar(bc2)).sqrt().add(new Scalar(c.eps())));
  }

  /** p <- p (1 - lr wd) - lr m_hat / (sqrt(v_hat) + eps), as torch.optim.AdamW. */
  void step(Tensor grad, long step, double lr, GemsConfig c) {
    double bc1 = 1 - Math.pow(c.beta1(), step);
    double bc2 = 1 - Math.pow(c.beta2(), step);
    expAvg.mul_(new Scalar(c.beta1())).add_(grad, new Scalar(1 - c.beta1()));
    expAvgSq.mul_(new Scalar(c.beta2())).addcmul_(grad, grad, new Scalar(1 - c.beta2()));
    Tensor denom = expAvgSq.sqrt().div_(new Scalar(Math.sqrt(bc2))).add_(new Scalar(c.eps()));
    param.mul_(new Scalar(1 - lr * c.weightDecay())).addcdiv_(expAvg, denom, new Scalar(-lr / bc1));
  }
}
