package org.gemsj.train;

import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gemsj.data.Dataset;
import org.gemsj.data.SplitData;
import org.gemsj.data.Task;
import org.gemsj.eval.EvalResult;
import org.gemsj.eval.Evaluator;
import org.gemsj.eval.MetricsDoc;
import org.gemsj.eval.MetricsJson;
import org.gemsj.eval.MetricsTable;
import org.gemsj.eval.ReportWriter;
import org.gemsj.eval.TrainLog;
import org.gemsj.io.AtomicFiles;
import org.gemsj.model.GenerativeModel;
import org.gemsj.model.ModelStore;

/**
 * The end of a run: the best model (OUT/model) gets its item-to-item scale chosen on validation,
 * then is scored on the test and validation splits; metrics.json, report.md and its plots are
 * written and the metrics table is logged.
 */
final class FinalEvaluation {
  private FinalEvaluation() {}

  static MetricsDoc run(TrainConfig config, RunDirectory run, Dataset dataset, SplitData split,
      List<EvalResult> baselines, TrainState state, long optimizerBytes, PrintStream log) throws IOException {
    log.println("gems: evaluating the best model (step " + state.bestStep() + ") on the test and validation splits");
    MetricsDoc doc;
    AtomicFiles.recoverDirectory(run.model());
    try (GenerativeModel best = ModelStore.load(run.model())) {
      Map<String, Object> extra = new LinkedHashMap<>();
      if (best.transitions() != null && !split.valid().isEmpty()) {
        TransitionScaleSelection.Choice c = TransitionScaleSelection.select(best, split.valid(), config.seed(), log);
        best.setTransitionScale(Task.REC, c.chosen());
        ModelStore.save(best, run.model()); // what serving loads is what the test measures
        extra.put("transition_scale_rec_learned", c.learned());
        extra.put("transition_scale_rec", c.chosen());
      }
      ModelScorer scorer = new ModelScorer(config.name(), best);
      Evaluator evaluator = new Evaluator();
      EvalResult test = evaluator.evaluate(dataset.items(), split.test(), scorer, config.seed());
      EvalResult valid = split.valid().isEmpty() ? null
          : evaluator.evaluate(dataset.items(), split.valid(), scorer, config.seed());
      extra.put("best_step", state.bestStep());
      extra.put("steps", state.step());
      extra.put("optimizer_state_bytes", optimizerBytes);
      extra.put("seed", config.seed());
      doc = MetricsDoc.of(config.name(), config.model().backbone().label(), test, valid, baselines,
          state.trainSeconds(), extra);
    }
    MetricsJson.write(run.metrics(), doc);
    ReportWriter.write(config.out(), TrainLog.read(run.trainLog()), doc,
        "GEMS-J: " + config.name() + " on " + config.data().getFileName());
    log.println();
    log.println(MetricsTable.text(MetricsTable.systems(doc), MetricsTable.DEFAULT_COLUMNS));
    log.println("gems: wrote " + run.metrics() + ", " + run.model() + "/, " + run.report());
    return doc;
  }
}
