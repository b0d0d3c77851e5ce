package org.gemsj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.data.Dataset;
import org.gemsj.data.Example;
import org.gemsj.data.SplitData;
import org.gemsj.data.Splitter;
import org.gemsj.data.Task;
import org.gemsj.data.synth.SyntheticData;
import org.gemsj.model.GenerativeModel;
import org.gemsj.model.ModelFactory;
import org.gemsj.optim.TaskBatch;
import org.gemsj.torch.Tensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training pass split at the encoder states (decoder backward on a detached copy, then the
 * encoder's backward from its gradient) gives the gradients of one plain backward of the loss.
 */
class TrainStepTest {
  @TempDir Path dir;

  @Test
  void splitBackwardEqualsOneBackwardOfTheLoss() throws Exception {
    Path data = dir.resolve("data");
    SyntheticData.generate(data, 5, new SyntheticData.Options(40, 20, 10));
    TrainConfig config = EndToEndTest.tinyConfig(data, dir.resolve("out"), TrainMethod.FULL, 10);
    Dataset dataset = Dataset.load(data);
    SplitData split = Splitter.split(dataset, config.model().historyLength());
    Random r = new Random(System.nanoTime());
    try (GenerativeModel model = ModelFactory.create(config.model(), dataset.items(), r.nextLong())) {
      Adaptation adaptation = new Adaptation(config, model, null);
      TrainStep step = new TrainStep(model, adaptation, config.dropout());
      for (Task task : Task.values()) {
        List<Example> batch = split.train().stream().filter(e -> e.task() == task).limit(6).toList();
        long seed = r.nextLong();
        try (PointerScope scope = new PointerScope()) {
          torch.manual_seed(seed); // the same dropout masks in both passes
          TaskBatch ours = step.pass(batch);
          torch.manual_seed(seed);
          adaptation.trainable().values().forEach(p -> {
            if (p.grad().defined()) {
              p.grad().zero_();
            }
          });
          Tensor loss = model.loss(batch, config.dropout());
          loss.backward();
          assertEquals(loss.item_double(), ours.loss(), 1e-6 * Math.abs(loss.item_double()));
          int compared = 0;
          for (Map.Entry<String, Tensor> e : adaptation.trainable().entrySet()) {
            Tensor expected = e.getValue().grad();
            if (!expected.defined()) {
              continue;
            }
            double scale = Math.max(Tensors.norm(expected), 1e-12);
            double err = Tensors.norm(ours.grads().get(e.getKey()).sub(expected)) / scale;
            assertTrue(err < 1e-5, task + " " + e.getKey() + ": relative error " + err);
            compared++;
          }
          assertTrue(compared > 40, "compared " + compared + " gradients");
        }
      }
    }
  }
}
