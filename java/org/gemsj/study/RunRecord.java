package org.gemsj.study;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gemsj.eval.MetricsDoc;
import org.gemsj.eval.MetricsJson;
import org.gemsj.eval.TrainLog;
import org.gemsj.train.ConflictLog;
import org.gemsj.train.RunDirectory;

/** One finished training run of the study: its metrics, cost, retention and conflict probes. */
record RunRecord(StudyMethod method, long seed, Path dir, MetricsDoc metrics, double wallSeconds, double peakRssMb,
    Retention.Result retention, List<ConflictLog.Entry> conflict) {

  /** Reads a finished run's files ({@code retention} measured by the caller). */
  static RunRecord read(StudyMethod method, long seed, Path dir, double wallSeconds, Retention.Result retention)
      throws IOException {
    RunDirectory run = new RunDirectory(dir);
    MetricsDoc doc = MetricsJson.read(run.metrics());
    double peak = TrainLog.read(run.trainLog()).steps().stream()
        .filter(s -> s.residentMb() != null).mapToDouble(TrainLog.Step::residentMb).max().orElse(Double.NaN);
    Path conflictFile = run.conflictLog();
    List<ConflictLog.Entry> conflict = Files.exists(conflictFile) ? ConflictLog.read(conflictFile) : List.of();
    return new RunRecord(method, seed, dir, doc, wallSeconds, peak, retention, conflict);
  }

  double metric(String block, String task, String key) {
    Map<String, Map<String, Double>> b = switch (block) {
      case "test" -> metrics.test();
      case "sampled_test" -> metrics.sampledTest();
      case "valid" -> metrics.valid();
      default -> throw new IllegalArgumentException(block);
    };
    Map<String, Double> m = b.get(task);
    return m == null ? Double.NaN : m.getOrDefault(key, Double.NaN);
  }

  long optimizerStateBytes() {
    Object v = metrics.extra().get("optimizer_state_bytes");
    return v instanceof Number n ? n.longValue() : -1;
  }

  Map<String, Object> json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("seed", seed);
    m.put("dir", dir.toString());
    m.put("test", metrics.test());
    m.put("sampled_test", metrics.sampledTest());
    m.put("valid", metrics.valid());
    m.put("best_step", metrics.extra().get("best_step"));
    m.put("steps", metrics.extra().get("steps"));
    m.put("train_seconds", metrics.trainSeconds());
    m.put("wall_seconds", wallSeconds);
    m.put("peak_rss_mb", peakRssMb);
    m.put("optimizer_state_bytes", optimizerStateBytes());
    m.put("retention", retention.json());
    return m;
  }
}
