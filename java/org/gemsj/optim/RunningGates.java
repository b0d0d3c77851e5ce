package org.gemsj.optim;

import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.gemsj.torch.Tensors;

/**
 * What the running gates ({@link Gating#running()}) read, averaged over steps instead of taken
 * from one batch: per task, the loss relative to the task's first loss (how far it still is from
 * where it started) and its sample count (the data's mix, not this batch's draw); per targeted
 * weight and task, the squared norm of the gradient's signal, estimated as the running mean of
 * the inner product of consecutive batch gradients, E[G_t . G_(t-1)] = |E G|^2 for independent
 * batches. A batch gradient's own norm is mostly noise (it scales as 1/sqrt(N_k)), which cancels
 * the sample-share term and pinned the reference formula's gates at 0.49 +- 0.05.
 *
 * <p>Running means decay by {@link #DECAY} per step and are bias-corrected as Adam's moments
 * are. The state is part of the optimizer checkpoint ({@link OptimizerCheckpoint}).
 */
final class RunningGates {
  /** Per step: a horizon of about 50 steps. */
  static final double DECAY = 0.98;

  /** Per task (0 search, 1 rec): running loss, its step count, the first loss; running sample count. */
  final double[] loss = new double[2];
  final long[] lossSteps = new long[2];
  final double[] firstLoss = new double[2];
  final double[] count = new double[2];
  long countSteps;
  /** Per weight and task: running G_t . G_(t-1), its step count, the previous gradient and whether it is held. */
  final double[][] signal;
  final long[][] signalSteps;
  final Tensor[][] previous;
  final boolean[][] held;

  RunningGates(List<SubspaceState> weights) {
    int n = weights.size();
    signal = new double[n][2];
    signalSteps = new long[n][2];
    previous = new Tensor[n][2];
    held = new boolean[n][2];
    for (int w = 0; w < n; w++) {
      for (int k = 0; k < 2; k++) {
        previous[w][k] = Tensors.keep(Tensors.zeros(new long[] {weights.get(w).m, weights.get(w).n},
            weights.get(w).weight));
      }
    }
  }

  /** Takes one step's batches in: {@code grads[w][k]} is task k's gradient of weight w (null: task absent). */
  void observe(double[] losses, long[] counts, Tensor[][] grads) {
    countSteps++;
    for (int k = 0; k < 2; k++) {
      count[k] = DECAY * count[k] + (1 - DECAY) * counts[k];
      if (counts[k] == 0) {
        continue;
      }
      if (lossSteps[k] == 0) {
        firstLoss[k] = losses[k];
      }
      loss[k] = DECAY * loss[k] + (1 - DECAY) * losses[k];
      lossSteps[k]++;
      for (int w = 0; w < grads.length; w++) {
        Tensor g = grads[w][k];
        if (held[w][k]) {
          double dot = g.flatten().dot(previous[w][k].flatten()).item_double();
          signal[w][k] = DECAY * signal[w][k] + (1 - DECAY) * dot;
          signalSteps[w][k]++;
        }
        previous[w][k].copy_(g);
        held[w][k] = true;
      }
    }
  }

  /** Task k's loss relative to its first (bias-corrected running mean); 1 before it is seen. */
  double relativeLoss(int k) {
    if (lossSteps[k] == 0 || !(firstLoss[k] > 0)) {
      return 1;
    }
    return loss[k] / (1 - Math.pow(DECAY, lossSteps[k])) / firstLoss[k];
  }

  /** Task k's running sample count per step (bias-corrected). */
  double count(int k) {
    return countSteps == 0 ? 0 : count[k] / (1 - Math.pow(DECAY, countSteps));
  }

  /** The norm of task k's gradient signal in weight w, |E G| (0 while unknown or estimated negative). */
  double signalNorm(int w, int k) {
    if (signalSteps[w][k] == 0) {
      return 0;
    }
    return Math.sqrt(Math.max(0, signal[w][k] / (1 - Math.pow(DECAY, signalSteps[w][k]))));
  }
}
