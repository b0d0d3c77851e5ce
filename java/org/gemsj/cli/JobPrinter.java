package org.gemsj.cli;

import java.io.PrintStream;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import org.gemsj.serve.proto.Evaluation;
import org.gemsj.serve.proto.Job;
import org.gemsj.serve.proto.JobEvent;
import org.gemsj.serve.proto.JobState;
import org.gemsj.serve.proto.Progress;

/** How client commands print jobs and their events. */
final class JobPrinter {
  private JobPrinter() {}

  static String state(JobState s) {
    return s.name().replace("JOB_STATE_", "");
  }

  /** One line: id, state, progress, dataset, reason. */
  static String row(Job j) {
    Progress p = j.getProgress();
    String steps = p.getTotalSteps() > 0 ? p.getStep() + "/" + p.getTotalSteps() : "-";
    String method = j.getSpec().getMethod().isEmpty() ? "gems" : j.getSpec().getMethod();
    return String.format("%-10s %-9s %-9s %-6s %s%s", j.getId(), state(j.getState()), steps, method,
        j.getSpec().getDatasetPath(), j.getReason().isEmpty() ? "" : "  (" + j.getReason() + ")");
  }

  static void details(Job j, PrintStream out) {
    out.println("id        " + j.getId());
    out.println("state     " + state(j.getState()) + (j.getReason().isEmpty() ? "" : " (" + j.getReason() + ")"));
    out.println("created   " + Instant.ofEpochMilli(j.getCreatedMs()));
    out.println("updated   " + Instant.ofEpochMilli(j.getUpdatedMs()));
    out.println("attempts  " + j.getAttempts());
    out.println("progress  " + progress(j.getProgress()));
    out.println("spec      " + j.getSpec().toString().strip().replace("\n", ", "));
    if (!j.getMetricsJson().isEmpty()) {
      out.println("metrics   " + j.getMetricsJson().strip().replaceAll("\\s*\\n\\s*", " ")); // one line
    }
  }

  static String progress(Progress p) {
    return String.format("step %d/%d  loss search %.4f rec %.4f  %.1f examples/s", p.getStep(), p.getTotalSteps(),
        p.getLossSearch(), p.getLossRec(), p.getExamplesPerSecond());
  }

  static void event(JobEvent e, PrintStream out) {
    switch (e.getKindCase()) {
      case SNAPSHOT -> out.println("[" + e.getJobId() + "] " + state(e.getSnapshot().getState())
          + (e.getSnapshot().getReason().isEmpty() ? "" : ": " + e.getSnapshot().getReason()));
      case PROGRESS -> out.println("[" + e.getJobId() + "] " + progress(e.getProgress()));
      case EVALUATION -> out.println("[" + e.getJobId() + "] " + evaluation(e.getEvaluation()));
      case LOG_LINE -> out.println("[" + e.getJobId() + "] | " + e.getLogLine());
      default -> { }
    }
  }

  private static String evaluation(Evaluation v) {
    StringBuilder b = new StringBuilder("validation at step " + v.getStep() + ":");
    append(b, "search", v.getSearchMap());
    append(b, "rec", v.getRecMap());
    return b.toString();
  }

  private static void append(StringBuilder b, String task, Map<String, Double> m) {
    Iterator<Map.Entry<String, Double>> it = new TreeMap<>(m).entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Double> e = it.next();
      if (e.getKey().endsWith("@10")) {
        b.append(String.format(" %s %s %.4f", task, e.getKey(), e.getValue()));
      }
    }
  }
}
