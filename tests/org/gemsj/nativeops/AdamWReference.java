package org.gemsj.nativeops;

import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/** libtorch's own torch::optim::AdamW on one parameter: the peer implementation to match. */
final class AdamWReference {
  final Tensor initial;
  final Tensor param;
  final AdamW optimizer;
  int steps;

  AdamWReference(Tensor start, double lr, double weightDecay, double eps) {
    initial = start.clone();
    param = start.clone();
    AdamWOptions options = new AdamWOptions(lr);
    options.weight_decay().put(weightDecay);
    options.eps().put(eps);
    optimizer = new AdamW(new TensorVector(param), options);
  }

  void step(Tensor grad) {
    param.mutable_grad().put(grad.clone());
    optimizer.step();
    steps++;
  }
}
