package org.gemsj.dist;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.optim.TaskBatch;
import org.gemsj.torch.Tensors;

/**
 * Turns each rank's gradients of its shard of a global batch into the gradients of the whole
 * batch's mean loss, per task: g = sum_r n_r g_r / sum_r n_r, where n_r is the task's examples on
 * rank r (0 on a rank whose shard holds none of them), and the loss likewise. Every rank gets the
 * same {@link TaskBatch}, so every rank's optimizer (GEMS's bases, moments and gates among it)
 * takes the same step from the same inputs, and no optimizer state needs to be sent. Two
 * collectives per task: the count and summed loss (float64), then every gradient in one flat
 * float32 buffer.
 */
public final class GradientReducer {
  private final ProcessGroup group;

  public GradientReducer(ProcessGroup group) {
    this.group = group;
  }

  /**
   * The global batch's {@code task} gradients from this rank's {@code local} ones, over the
   * parameters of {@code trainable} (their shapes; a rank without the task sends zeros). The
   * gradients live in the caller's PointerScope.
   */
  public TaskBatch reduce(String task, TaskBatch local, Map<String, Tensor> trainable) {
    Tensor head = Tensors.fromDoubles(new double[] {local.count(), local.count() * local.loss()}, 2);
    group.sumInPlace(head, task + " example counts");
    double[] sums = {head.get(0).item_double(), head.get(1).item_double()};
    long count = Math.round(sums[0]);
    if (count == 0) {
      return TaskBatch.absent();
    }
    TensorVector parts = new TensorVector();
    for (Map.Entry<String, Tensor> e : trainable.entrySet()) {
      Tensor g = local.count() > 0 ? local.grads().get(e.getKey()) : null;
      parts.push_back(g == null ? torch.zeros_like(e.getValue()).reshape(-1)
          : g.reshape(-1).mul(new Scalar((double) local.count())));
    }
    Tensor flat = torch.cat(parts);
    group.sumInPlace(flat, task + " gradients");
    flat.div_(new Scalar((double) count));
    Map<String, Tensor> grads = new LinkedHashMap<>();
    long offset = 0;
    for (Map.Entry<String, Tensor> e : trainable.entrySet()) {
      long n = e.getValue().numel();
      grads.put(e.getKey(), flat.narrow(0, offset, n).view(e.getValue().sizes()));
      offset += n;
    }
    return new TaskBatch(grads, count, sums[1] / count);
  }
}
