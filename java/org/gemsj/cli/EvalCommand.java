package org.gemsj.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.gemsj.data.Dataset;
import org.gemsj.data.SplitData;
import org.gemsj.data.Splitter;
import org.gemsj.eval.EvalResult;
import org.gemsj.eval.Evaluator;
import org.gemsj.eval.MetricsDoc;
import org.gemsj.eval.MetricsJson;
import org.gemsj.eval.MetricsTable;
import org.gemsj.model.GenerativeModel;
import org.gemsj.model.ModelStore;
import org.gemsj.train.ModelScorer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `gems eval`: a saved model on a dataset's test split (full-catalogue and 99-sampled). */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Evaluate a saved model on a dataset's test split.")
final class EvalCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "a saved model directory (OUT/model)") Path model;
  @Option(names = "--data", required = true, description = "dataset directory") Path data;
  @Option(names = "--seed", description = "seed of the 99 sampled negatives (default 7)") long seed = 7;
  @Option(names = "--out", description = "also write the metrics here as JSON") Path out;

  @Override
  public Integer call() throws Exception {
    try (GenerativeModel m = ModelStore.load(model)) {
      Dataset d = Dataset.load(data);
      for (var item : d.items()) {
        if (!m.hasItem(item.id())) {
          throw new IllegalArgumentException(data + " has item '" + item.id() + "' that the model was not trained with");
        }
      }
      SplitData split = Splitter.split(d, m.config.historyLength());
      EvalResult test = new Evaluator().evaluate(m.items(), split.test(), new ModelScorer("model", m), seed);
      MetricsDoc doc = MetricsDoc.of("model", m.config.backbone().label(), test, null, List.of(), 0, null);
      System.out.println(MetricsTable.text(MetricsTable.systems(doc), MetricsTable.DEFAULT_COLUMNS));
      if (out != null) {
        MetricsJson.write(out, doc);
      }
    }
    return 0;
  }
}
