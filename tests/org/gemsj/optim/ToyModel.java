package org.gemsj.optim;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.testing.Ref;

/** Parameters of a small model and a deterministic stream of task gradients for optimizer tests. */
final class ToyModel {
  final Tensor w1, w2, bias;

  ToyModel(long seed) {
    torch.manual_seed(seed);
    w1 = Ref.randn(48, 32).mul(new Scalar(0.05));
    w2 = Ref.randn(24, 40).mul(new Scalar(0.05));
    bias = Ref.randn(40).mul(new Scalar(0.05));
  }

  ToyModel copy() {
    ToyModel c = new ToyModel(0);
    c.w1.copy_(w1);
    c.w2.copy_(w2);
    c.bias.copy_(bias);
    return c;
  }

  List<GemsOptimizer.Param> targeted() {
    return List.of(new GemsOptimizer.Param("w1", w1), new GemsOptimizer.Param("w2", w2));
  }

  List<GemsOptimizer.Param> others() {
    return List.of(new GemsOptimizer.Param("bias", bias));
  }

  /** The gradients of one task at one step: fresh random values, the same for the same arguments. */
  static TaskBatch batch(long step, int task, long count) {
    if (count == 0) {
      return TaskBatch.absent();
    }
    torch.manual_seed(1000 * step + task);
    Map<String, Tensor> grads = new HashMap<>();
    grads.put("w1", Ref.randn(48, 32));
    grads.put("w2", Ref.randn(24, 40));
    grads.put("bias", Ref.randn(40));
    return new TaskBatch(grads, count, 1.0 + 0.1 * task + 0.01 * step);
  }
}
