package org.gemsj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.gemsj.backbone.BundledBackbone;
import org.gemsj.data.Dataset;
import org.gemsj.data.Example;
import org.gemsj.data.SplitData;
import org.gemsj.data.Splitter;
import org.gemsj.data.synth.SyntheticData;
import org.gemsj.eval.EvalResult;
import org.gemsj.eval.Evaluator;
import org.gemsj.eval.MetricsDoc;
import org.gemsj.eval.MetricsJson;
import org.gemsj.eval.RankingMetrics;
import org.gemsj.model.GenerativeModel;
import org.gemsj.model.ItemIds;
import org.gemsj.model.ModelFactory;
import org.gemsj.model.ModelInputs;
import org.gemsj.model.ModelStore;
import org.gemsj.model.ScoredItem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trains a tiny configuration for a few dozen steps with GEMS (null space on), then checks the
 * outputs: metrics.json complete and consistent with a re-evaluation of the saved model, the
 * trained model ranking targets better than the untrained one, beam search returning valid items.
 */
class EndToEndTest {
  @TempDir Path dir;

  @Test
  void tinyGemsRunTrainsEvaluatesAndSaves() throws Exception {
    Path data = dir.resolve("data"), out = dir.resolve("out");
    SyntheticData.generate(data, 3, new SyntheticData.Options(60, 40, 10));
    TrainConfig config = tinyConfig(data, out, TrainMethod.GEMS, 60);
    MetricsDoc doc = new Trainer(config, System.out).run(false, false);

    // metrics.json: every block, both tasks, the shared keys
    MetricsDoc read = MetricsJson.read(out.resolve(MetricsJson.FILE_NAME));
    assertEquals("gems", read.method());
    assertEquals("minilm", read.backbone());
    for (var block : List.of(read.test(), read.valid(), read.sampledTest())) {
      assertEquals(List.of("search", "rec"), new ArrayList<>(block.keySet()));
      block.values().forEach(m -> assertEquals(RankingMetrics.KEYS, new ArrayList<>(m.keySet())));
    }
    assertTrue(read.baselines().get("bm25").containsKey("search"));
    assertTrue(read.baselines().get("popularity").containsKey("rec"));
    assertEquals(BaselineSuite.NAMES, List.copyOf(read.baselines().keySet()));
    assertTrue(read.baselines().get("item-to-item").containsKey("rec"));
    assertTrue(read.baselines().get("words+popularity").containsKey("search"));
    assertTrue(Files.isRegularFile(out.resolve("report.md")) && Files.isRegularFile(out.resolve("loss.png")));

    Dataset dataset = Dataset.load(data);
    SplitData split = Splitter.split(dataset, config.model().historyLength());
    try (GenerativeModel trained = ModelStore.load(new RunDirectory(out).model());
        GenerativeModel untrained = ModelFactory.create(config.model(), dataset.items(), config.seed())) {
      // the saved model reproduces metrics.json
      EvalResult again = new Evaluator().evaluate(dataset.items(), split.test(), new ModelScorer("gems", trained), config.seed());
      assertEquals(doc.test().get("rec").get("ndcg@10"), again.fullByWire().get("rec").get("ndcg@10"), 1e-6);
      // training helped: mean NDCG@20 over train examples of both tasks, trained vs untrained
      List<Example> sample = split.train().subList(0, Math.min(120, split.train().size()));
      double before = meanNdcg(dataset, sample, untrained), after = meanNdcg(dataset, sample, trained);
      assertTrue(after > before + 0.05, "trained " + after + " vs untrained " + before);
      // beam search returns k distinct catalogue items, best first
      List<ScoredItem> top = trained.topK(split.test().get(0), 5, 8);
      assertEquals(5, top.stream().map(ScoredItem::id).distinct().count());
      top.forEach(s -> assertTrue(dataset.indexOf(s.id()) >= 0));
      for (int i = 1; i < top.size(); i++) {
        assertTrue(top.get(i - 1).score() >= top.get(i).score());
      }
    }
  }

  private static double meanNdcg(Dataset d, List<Example> examples, GenerativeModel m) {
    EvalResult r = new Evaluator().evaluate(d.items(), examples, new ModelScorer("m", m), 1);
    return r.meanOverTasks("ndcg@20");
  }

  static TrainConfig tinyConfig(Path data, Path out, TrainMethod method, int steps) {
    ModelFactory.Options model = new ModelFactory.Options(BundledBackbone.MINILM, ItemIds.Scheme.ATOMIC, 2, 8, 1, 0, 6, 256,
        32, 3, ModelInputs.Format.ITEMS, true, true);
    return new TrainConfig(data, out, method, false, false, model, steps, 8, 11, method == TrainMethod.FULL ? 1e-4 : 3e-4,
        3e-3, 0.05, 0.01, 0.1, 16, 8, 20, 1.0, 8, 16, 0.05, 0.9, null, out.resolve("cache"), 20, 5, 25, 50, false,
        org.gemsj.optim.Decomposition.REFERENCE, org.gemsj.optim.GateMode.REFERENCE);
  }
}
