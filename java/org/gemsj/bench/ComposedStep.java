package org.gemsj.bench;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.nativeops.FusedStep;
import org.gemsj.torch.Tensors;

/**
 * The fused step's algorithm written as a sequence of libtorch calls from Java, with the same
 * arguments and results as {@link FusedStep#apply}. It is what a JVM trainer could write without
 * the native op, and the benchmark's "composed" column: every call crosses JNI and most of them
 * allocate an intermediate tensor.
 */
public final class ComposedStep {
  private ComposedStep() {}

  public static void apply(Tensor weight, FusedStep.Task search, FusedStep.Task rec, Tensor basis,
      long rankShared, long rankTask, Tensor expAvg, Tensor expAvgSq, long step, FusedStep.Hyper h, Tensor k) {
    try (NoGradGuard noGrad = new NoGradGuard();
        PointerScope scope = new PointerScope()) {
      long m = weight.size(0), n = weight.size(1);
      boolean right = m >= n;
      double total = search.count() + rec.count();
      Tensor shared = search.count() == 0 ? rec.grad() : rec.count() == 0 ? search.grad()
          : search.grad().mul(new Scalar(search.count() / total)).add_(rec.grad(), new Scalar(rec.count() / total));
      Tensor b = basis;
      if (!right && k != null) {
        b = basis.sub(k.mm(k.t().mm(basis)));
      }
      Tensor[] grads = {shared, search.grad(), rec.grad()};
      long[] offsets = {0, rankShared, rankShared + rankTask};
      long[] ranks = {rankShared, rankTask, rankTask};
      long longSide = Math.max(m, n);
      TensorVector blocks = new TensorVector();
      for (int i = 0; i < 3; i++) {
        if (ranks[i] == 0) {
          continue;
        }
        if (grads[i] == null) {
          blocks.push_back(Tensors.zeros(new long[] {ranks[i], longSide}, weight));
        } else if (right) {
          blocks.push_back(b.narrow(0, offsets[i], ranks[i]).mm(grads[i].t()));
        } else {
          blocks.push_back(b.narrow(1, offsets[i], ranks[i]).t().mm(grads[i]));
        }
      }
      Tensor proj = torch.cat(blocks, 0);
      if (right && k != null) {
        proj = proj.sub(proj.mm(k).mm(k.t()));
      }
      if (!torch.isfinite(proj).all().item_bool()) {
        throw new IllegalArgumentException("composed step: the gradients contain NaN or Inf");
      }
      double bc1 = 1 - Math.pow(h.beta1(), step), bc2 = 1 - Math.pow(h.beta2(), step);
      expAvg.mul_(new Scalar(h.beta1())).add_(proj, new Scalar(1 - h.beta1()));
      expAvgSq.mul_(new Scalar(h.beta2())).addcmul_(proj, proj, new Scalar(1 - h.beta2()));
      Tensor scale = torch.cat(new TensorVector(
          torch.full(new long[] {rankShared, 1}, new Scalar(h.alpha()), Tensors.float32Like(weight)),
          torch.full(new long[] {rankTask, 1}, new Scalar(h.alpha() * search.gate()), Tensors.float32Like(weight)),
          torch.full(new long[] {rankTask, 1}, new Scalar(h.alpha() * rec.gate()), Tensors.float32Like(weight))), 0);
      Tensor dirs = expAvg.div(new Scalar(bc1))
          .div(expAvgSq.div(new Scalar(bc2)).sqrt().add(new Scalar(h.eps()))).mul(scale);
      if (right && k != null) {
        dirs = dirs.sub(dirs.mm(k).mm(k.t()));
      }
      Tensor protectedPart = k != null && h.weightDecay() > 0 ? k.t().mm(weight) : null;
      weight.mul_(new Scalar(1 - h.lr() * h.weightDecay()));
      if (right) {
        weight.addmm_(dirs.t(), b, new Scalar(1.0), new Scalar(-h.lr()));
      } else {
        weight.addmm_(b, dirs, new Scalar(1.0), new Scalar(-h.lr()));
      }
      if (protectedPart != null) {
        weight.addmm_(k, protectedPart, new Scalar(1.0), new Scalar(h.lr() * h.weightDecay()));
      }
    }
  }
}
