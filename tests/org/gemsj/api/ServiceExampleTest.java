package org.gemsj.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.gemsj.data.synth.SyntheticData;
import org.gemsj.eval.EvalResult;
import org.gemsj.eval.MetricsDoc;
import org.gemsj.train.TrainListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** README's "Embedding GEMS-J in a service" example, compiled and run; README must quote it verbatim. */
class ServiceExampleTest {
  @TempDir Path dir;

  @Test
  void serviceExample() throws Exception {
    Path data = dir.resolve("data"), out = dir.resolve("out");
    SyntheticData.generate(data, 3, new SyntheticData.Options(60, 20, 8));
    String home = System.getProperty("user.home");
    System.setProperty("user.home", dir.toString()); // the default null-space cache lands in the temp dir
    try {
      // README:service:begin
      // Train: progress arrives as events on the training thread; trainer.stop() ends the run at a checkpoint.
      GemsTrainer trainer = GemsTrainer.builder(data, out) // a dataset (docs/DATA.md), a new output directory
          .steps(12).batchSize(8).historyLength(5).maxTokens(48).evalEvery(6)
          .build();
      MetricsDoc metrics = trainer.run(new TrainListener() {
        @Override
        public void step(long step, long total, Double searchLoss, Double recLoss, double perSecond, double seconds) {
          System.out.printf("step %d/%d  loss search %s rec %s%n", step, total, searchLoss, recLoss);
        }

        @Override
        public void validation(long step, EvalResult result, boolean improved) {
          System.out.printf("step %d: valid NDCG@10 %.4f%s%n", step, result.meanOverTasks("ndcg@10"),
              improved ? " (best so far, saved)" : "");
        }
      });

      // Serve: one GemsModel per process, shared by all request threads.
      try (GemsModel model = GemsModel.load(out.resolve("model"))) {
        List<Hit> hits = model.search("waterproof hiking boots", 5);
        List<String> history = List.of(hits.get(1).id(), hits.get(0).id()); // oldest first
        List<Hit> forUser = model.search("camping stove", history, 5);
        List<Hit> next = model.recommend(history, 10);
        next.forEach(h -> System.out.printf("%-8s %8.3f  %s%n", h.id(), h.score(), h.title()));
      }
      // README:service:end
      assertTrue(metrics.test().containsKey("search") && metrics.test().containsKey("rec"));
      assertTrue(Files.isRegularFile(out.resolve("metrics.json")));
    } finally {
      System.setProperty("user.home", home);
    }
  }

  @Test
  void readmeQuotesTheExampleVerbatim() throws Exception {
    String source = Files.readString(Path.of("tests/org/gemsj/api/ServiceExampleTest.java"));
    String readme = Files.readString(Path.of("README.md"));
    String begin = "// README:service:begin\n", end = "      // README:service:end";
    String body = source.substring(source.indexOf(begin) + begin.length(), source.indexOf(end));
    assertEquals(body.lines().count(), body.lines().filter(l -> l.isEmpty() || l.startsWith("      ")).count());
    String dedented = body.replaceAll("(?m)^      ", "");
    assertTrue(readme.contains("```java\n" + dedented + "```"), "README.md does not quote the service example verbatim");
  }
}
