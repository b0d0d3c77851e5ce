package org.gemsj.optim;

import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * One task's share of a training batch: the gradients of its mean loss (by parameter name),
 * its sample count and that loss. A task absent from the batch has count 0 and no gradients.
 */
public record TaskBatch(Map<String, Tensor> grads, long count, double loss) {
  public static TaskBatch absent() {
    return new TaskBatch(Map.of(), 0, 0);
  }

  public TaskBatch {
    if (count < 0) {
      throw new IllegalArgumentException("sample count must be >= 0, got " + count);
    }
    if (count > 0 && !(loss >= 0 && Double.isFinite(loss))) {
      throw new IllegalArgumentException("the loss of a task batch must be finite and >= 0, got " + loss);
    }
    if (count > 0 && grads.isEmpty()) {
      throw new IllegalArgumentException("a task with " + count + " samples needs gradients");
    }
  }

  Tensor grad(String name) {
    Tensor g = grads.get(name);
    if (count > 0 && g == null) {
      throw new IllegalArgumentException("no gradient for parameter '" + name + "' in a task batch of " + count + " samples");
    }
    return count > 0 ? g : null;
  }
}
