package org.gemsj.eval;

import org.gemsj.io.AtomicFiles;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.gemsj.data.Task;

/**
 * Writes OUT/report.md with the final metrics (model vs baselines) and the training plots
 * loss.png, gates.png and valid.png next to it, linked relatively so the folder can be moved.
 */
public final class ReportWriter {
  public static final String REPORT = "report.md";
  public static final String LOSS_PNG = "loss.png";
  public static final String GATES_PNG = "gates.png";
  public static final String VALID_PNG = "valid.png";
  public static final String MEMORY_PNG = "memory.png";
  /** Metric followed during training (valid.png and the validation summary). */
  public static final String VALID_METRIC = "ndcg@10";

  private static final TypeReference<Map<String, Map<String, Map<String, Double>>>> SYSTEMS =
      new TypeReference<>() {};

  private ReportWriter() {}

  /** {@code metrics} may be null (e.g. training died before the test pass): plots only. */
  public static Path write(Path outDir, TrainLog log, MetricsDoc metrics, String title) throws IOException {
    StringBuilder md = new StringBuilder("# ").append(title).append("\n\n");
    if (metrics != null) {
      metricsSections(md, metrics);
    } else {
      md.append("No metrics.json yet: training has not reached the final test pass.\n\n");
    }
    md.append("## Training\n\n");
    validSummary(md, log);
    plot(md, TrainingPlots.loss(log, outDir.resolve(LOSS_PNG)), LOSS_PNG, "Training loss",
        "Per-task training loss vs optimizer step: faded lines are the raw per-step losses, solid lines an "
            + "exponential moving average (factor " + TrainingPlots.SMOOTHING + "). A task is missing at "
            + "steps without a batch of it.");
    plot(md, TrainingPlots.gates(log, outDir.resolve(GATES_PNG)), GATES_PNG, "Task gates",
        "Gate values of the search and rec subspaces vs step: how strongly each task's update is let through.");
    plot(md, TrainingPlots.valid(log, VALID_METRIC, outDir.resolve(VALID_PNG)), VALID_PNG, "Validation NDCG@10",
        "Validation NDCG@10 (full catalogue ranking) per task at each validation pass.");
    if (TrainingPlots.memory(log, outDir.resolve(MEMORY_PNG))) {
      plot(md, true, MEMORY_PNG, "Memory",
          "Resident set of the training process and the native heap in use (libtorch's CPU tensors) per step; "
              + "flat lines mean no step leaks.");
    }
    Path report = outDir.resolve(REPORT);
    AtomicFiles.write(report, md.toString().getBytes(StandardCharsets.UTF_8));
    return report;
  }

  private static void metricsSections(StringBuilder md, MetricsDoc m) {
    md.append("Method `").append(m.method()).append("`, backbone `").append(m.backbone())
        .append("`, training time ").append(duration(m.trainSeconds())).append(".\n\n");
    if (m.extra().get("counts") instanceof Map<?, ?> counts && !counts.isEmpty()) {
      md.append("Examples: ").append(counts(counts)).append(".\n\n");
    }
    md.append("## Test metrics (full catalogue ranking)\n\n");
    md.append("Each target is ranked against every catalogue item; ties count against the target, so a "
        + "constant scorer scores 0. HR@k: target in the top k; NDCG@k: 1/log2(rank+1) within the top k; "
        + "MRR@k: 1/rank within the top k. Averaged over examples.\n\n");
    md.append(MetricsTable.markdown(MetricsTable.systems(m), RankingMetrics.KEYS)).append('\n');
    Map<String, Map<String, Map<String, Double>>> sampled = new LinkedHashMap<>();
    sampled.put(m.method(), m.sampledTest());
    sampled.putAll(sampledBaselines(m));
    if (!m.sampledTest().isEmpty()) {
      md.append("## Test metrics (sampled: target among 99 random negatives)\n\n");
      md.append("Comparable with papers using sampled evaluation; inflated relative to the full ranking.\n\n");
      md.append(MetricsTable.markdown(sampled, MetricsTable.DEFAULT_COLUMNS)).append('\n');
    }
    if (!m.valid().isEmpty()) {
      md.append("## Validation metrics (final model)\n\n");
      md.append(MetricsTable.markdown(Map.of(m.method(), m.valid()), MetricsTable.DEFAULT_COLUMNS))
          .append('\n');
    }
  }

  /** The optional "sampled_baselines" extra written by {@link MetricsDoc#of}; empty if absent or odd. */
  private static Map<String, Map<String, Map<String, Double>>> sampledBaselines(MetricsDoc m) {
    Object x = m.extra().get("sampled_baselines");
    if (x == null) {
      return Map.of();
    }
    try {
      return new ObjectMapper().convertValue(x, SYSTEMS);
    } catch (IllegalArgumentException e) {
      return Map.of();
    }
  }

  /** {"test": {"search": 10, "rec": 9}} -> "test search 10, rec 9". */
  private static String counts(Map<?, ?> counts) {
    StringBuilder sb = new StringBuilder();
    counts.forEach((split, perTask) -> {
      sb.append(sb.length() == 0 ? "" : "; ").append(split);
      if (perTask instanceof Map<?, ?> pt) {
        StringBuilder tasks = new StringBuilder();
        pt.forEach((t, n) -> tasks.append(tasks.length() == 0 ? " " : ", ").append(t).append(' ').append(n));
        sb.append(tasks);
      } else {
        sb.append(' ').append(perTask);
      }
    });
    return sb.toString();
  }

  private static void validSummary(StringBuilder md, TrainLog log) {
    if (!log.steps().isEmpty()) {
      TrainLog.Step last = log.steps().get(log.steps().size() - 1);
      md.append(String.format(Locale.ROOT, "%d logged steps; last step %d after %s at %.1f examples/s.%n%n",
          log.steps().size(), last.step(), duration(last.seconds()), last.examplesPerS()));
    }
    for (Task t : Task.values()) {
      TrainLog.Valid best = null;
      for (TrainLog.Valid v : log.valid()) {
        Double y = v.metrics().containsKey(t) ? v.metrics().get(t).get(VALID_METRIC) : null;
        if (y != null && Double.isFinite(y)
            && (best == null || y > best.metrics().get(t).get(VALID_METRIC))) {
          best = v;
        }
      }
      if (best != null) {
        md.append(String.format(Locale.ROOT, "- best validation %s for %s: %.4f at step %d%n", VALID_METRIC,
            t.wire, best.metrics().get(t).get(VALID_METRIC), best.step()));
      }
    }
    md.append('\n');
  }

  private static void plot(StringBuilder md, boolean written, String file, String title, String what) {
    md.append("### ").append(title).append("\n\n");
    if (written) {
      md.append("![").append(title).append("](").append(file).append(")\n\n").append(what).append("\n\n");
    } else {
      md.append("(no data in the training log)\n\n");
    }
  }

  static String duration(double seconds) {
    long s = Math.round(seconds);
    if (s < 60) {
      return String.format(Locale.ROOT, "%.1f s", seconds);
    }
    return s >= 3600 ? String.format(Locale.ROOT, "%dh %02dm %02ds", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60);
  }
}
