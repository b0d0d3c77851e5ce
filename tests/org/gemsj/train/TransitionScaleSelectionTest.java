package org.gemsj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.gemsj.backbone.BundledBackbone;
import org.gemsj.data.Example;
import org.gemsj.data.Item;
import org.gemsj.data.Task;
import org.gemsj.eval.Evaluator;
import org.gemsj.model.GenerativeModel;
import org.gemsj.model.ItemIds;
import org.gemsj.model.ModelFactory;
import org.gemsj.model.ModelInputs;
import org.junit.jupiter.api.Test;

/**
 * On data where the newest item always decides the next one, a large enough scale ranks every
 * target first; the selection finds such a scale, leaves the model as it was, and its cached
 * scores agree with the model's own scoring once the scale is set.
 */
class TransitionScaleSelectionTest {
  @Test
  void choosesAScaleThatRanksDeterministicSuccessorsFirst() throws IOException {
    Random r = new Random(System.nanoTime());
    int n = 12;
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      items.add(new Item("i" + i, "item number " + i + " " + r.nextInt(1000), "", List.of()));
    }
    List<Example> train = new ArrayList<>(), valid = new ArrayList<>();
    for (int k = 0; k < 60; k++) { // i -> i + 1, always; every item is seen as a source (5 times)
      int a = k % n;
      train.add(new Example("u" + k, Task.REC, List.of("i" + r.nextInt(n), "i" + a), null, "i" + (a + 1) % n, k));
    }
    for (int a = 0; a < n; a++) {
      valid.add(new Example("v" + a, Task.REC, List.of("i" + a), null, "i" + (a + 1) % n, 0));
    }
    ModelFactory.Options o = new ModelFactory.Options(BundledBackbone.MINILM, ItemIds.Scheme.ATOMIC, 2, 4, 1, 0, 6, 128, 32,
        3, ModelInputs.Format.ITEMS, false, true);
    try (GenerativeModel model = ModelFactory.create(o, items, r.nextLong())) {
      model.initTransitionPrior(train);
      model.setTransitionScale(Task.REC, 0); // the decoder alone: an untrained one ranks at random
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      TransitionScaleSelection.Choice c = TransitionScaleSelection.select(model, valid, 3, new PrintStream(log));
      assertEquals(0, model.transitionScale(Task.REC), "selection leaves the model alone");
      assertEquals(0, c.learned());
      assertEquals(1.0, c.chosenNdcg(), 1e-9, log.toString());
      assertTrue(c.chosen() > 0, log.toString());
      assertTrue(c.learnedNdcg() < 1.0, log.toString());
      model.setTransitionScale(Task.REC, c.chosen());
      double ndcg = new Evaluator().evaluate(items, valid, new ModelScorer("m", model), 3).full().get(Task.REC)
          .get("ndcg@10");
      assertEquals(c.chosenNdcg(), ndcg, 1e-9);
      assertTrue(log.toString().contains("rec transition scale"), log.toString());
    }
  }
}
