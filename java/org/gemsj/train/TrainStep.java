package org.gemsj.train;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.data.Example;
import org.gemsj.model.GenerativeModel;
import org.gemsj.optim.GemsOptimizer;
import org.gemsj.optim.TaskBatch;

/**
 * One optimizer step as training runs it: a forward and backward pass per task, then both
 * optimizers' update. Each pass runs the encoder, then the decoder's loss on a detached copy of
 * the encoder states, then the encoder's backward from those states' gradient: the same
 * gradients as one backward pass, with the time of each part measurable ({@link Phase}).
 */
public final class TrainStep {
  /** The parts of a step, timed in this order. */
  public enum Phase {
    INPUT("data and tokenising"), ENCODER_FORWARD("encoder forward"), DECODER("decoder forward+backward"),
    ENCODER_BACKWARD("encoder backward"), GRADIENTS("gradient copies and their all-reduce"), OPTIMIZER("optimizer");

    public final String label;

    Phase(String label) {
      this.label = label;
    }
  }

  private final DataParallel ranks;
  private final GenerativeModel model;
  private final Adaptation adaptation;
  private final double dropout;
  private final Map<Phase, Long> nanos = new EnumMap<>(Phase.class);
  private Phase current;
  private long since;

  public TrainStep(GenerativeModel model, Adaptation adaptation, double dropout) {
    this(model, adaptation, dropout, DataParallel.SINGLE);
  }

  /** A step on this rank's shard of each batch, its gradients all-reduced before the optimizer's step. */
  public TrainStep(GenerativeModel model, Adaptation adaptation, double dropout, DataParallel ranks) {
    this.model = model;
    this.adaptation = adaptation;
    this.dropout = dropout;
    this.ranks = ranks;
  }

  /** A step's results: both task batches (gradients and losses) and the encoder optimizer's report. */
  public record Result(TaskBatch search, TaskBatch rec, GemsOptimizer.StepReport report) {}

  /** Runs one step; the returned gradients live in the caller's {@link PointerScope}. */
  public Result run(List<Example> search, List<Example> rec) {
    TaskBatch s = pass(search);
    TaskBatch r = pass(rec);
    if (ranks.distributed()) {
      enter(Phase.GRADIENTS);
      s = ranks.reduce("search", s, adaptation.trainable());
      r = ranks.reduce("rec", r, adaptation.trainable());
    }
    enter(Phase.OPTIMIZER);
    GemsOptimizer.StepReport report = adaptation.step(s, r);
    enter(null);
    return new Result(s, r, report);
  }

  /** One task's forward and backward pass; its gradients, cloned, for the optimizer. */
  TaskBatch pass(List<Example> examples) {
    if (examples.isEmpty()) {
      return TaskBatch.absent();
    }
    Map<String, Tensor> trainable = adaptation.trainable();
    for (Tensor p : trainable.values()) {
      Tensor g = p.grad();
      if (g.defined()) {
        g.zero_();
      }
    }
    double loss;
    try (PointerScope pass = new PointerScope()) { // this pass's activations end here
      enter(Phase.INPUT);
      GenerativeModel.Prepared prepared = model.prepare(examples);
      enter(Phase.ENCODER_FORWARD);
      GenerativeModel.Encoded enc = model.encode(prepared.input(), dropout);
      enter(Phase.DECODER);
      Tensor states = enc.states().detach().requires_grad_(true);
      Tensor l = model.decoderLoss(prepared, states, enc.mask(), dropout);
      loss = l.item_double();
      l.backward();
      enter(Phase.ENCODER_BACKWARD);
      enc.states().backward(states.grad(), new BoolOptional(), false,
          new TensorArrayRefOptional());
    }
    enter(Phase.GRADIENTS);
    Map<String, Tensor> grads = new HashMap<>();
    trainable.forEach((name, p) -> {
      Tensor g = p.grad();
      grads.put(name, g.defined() ? g.clone() : torch.zeros_like(p));
    });
    enter(null);
    return new TaskBatch(grads, examples.size(), loss);
  }

  private void enter(Phase next) {
    long now = System.nanoTime();
    if (current != null) {
      nanos.merge(current, now - since, Long::sum);
    }
    current = next;
    since = now;
  }

  /** Seconds spent in each phase since the last {@link #resetTimes}. */
  public Map<Phase, Double> seconds() {
    Map<Phase, Double> out = new EnumMap<>(Phase.class);
    for (Phase p : Phase.values()) {
      out.put(p, nanos.getOrDefault(p, 0L) / 1e9);
    }
    return out;
  }

  public void resetTimes() {
    nanos.clear();
  }
}
