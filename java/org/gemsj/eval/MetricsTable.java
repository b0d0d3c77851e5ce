package org.gemsj.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.gemsj.data.Task;

/**
 * Model-vs-baselines tables: one row per (task, system), tasks in {@link Task} order and systems
 * in the given order; a system without numbers for a task has no row; a missing metric prints "-".
 */
public final class MetricsTable {
  public static final List<String> DEFAULT_COLUMNS =
      List.of("hr@10", "ndcg@10", "mrr@10", "hr@20", "ndcg@20", "mrr@20");

  private MetricsTable() {}

  /** System name -> block for a metrics.json: the model (named by its method) then its baselines. */
  public static Map<String, Map<String, Map<String, Double>>> systems(MetricsDoc doc) {
    Map<String, Map<String, Map<String, Double>>> s = new LinkedHashMap<>();
    s.put(doc.method(), doc.test());
    doc.baselines().forEach(s::putIfAbsent);
    return s;
  }

  /** Aligned plain text for a terminal. */
  public static String text(Map<String, Map<String, Map<String, Double>>> systems, List<String> columns) {
    List<List<String>> rows = rows(systems, columns);
    int[] width = new int[rows.get(0).size()];
    for (List<String> r : rows) {
      for (int c = 0; c < r.size(); c++) {
        width[c] = Math.max(width[c], r.get(c).length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (List<String> r : rows) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < r.size(); c++) {
        line.append(String.format(Locale.ROOT, "%-" + width[c] + "s", r.get(c)));
        if (c < r.size() - 1) {
          line.append("  ");
        }
      }
      sb.append(line.toString().stripTrailing()).append('\n');
    }
    return sb.toString();
  }

  /** A GitHub-flavoured markdown table (numbers right-aligned). */
  public static String markdown(Map<String, Map<String, Map<String, Double>>> systems, List<String> columns) {
    List<List<String>> rows = rows(systems, columns);
    StringBuilder sb = new StringBuilder();
    sb.append("| ").append(String.join(" | ", rows.get(0))).append(" |\n|---|---|");
    sb.append("---:|".repeat(columns.size())).append('\n');
    for (List<String> r : rows.subList(1, rows.size())) {
      sb.append("| ").append(String.join(" | ", r)).append(" |\n");
    }
    return sb.toString();
  }

  /** "ndcg@10" -> "NDCG@10". */
  public static String header(String key) {
    return key.toUpperCase(Locale.ROOT);
  }

  private static List<List<String>> rows(Map<String, Map<String, Map<String, Double>>> systems,
      List<String> columns) {
    List<List<String>> rows = new ArrayList<>();
    List<String> head = new ArrayList<>(List.of("task", "system"));
    columns.forEach(c -> head.add(header(c)));
    rows.add(head);
    for (Task t : Task.values()) {
      for (Map.Entry<String, Map<String, Map<String, Double>>> s : systems.entrySet()) {
        Map<String, Double> m = s.getValue().get(t.wire);
        if (m == null) {
          continue;
        }
        List<String> r = new ArrayList<>(List.of(t.wire, s.getKey()));
        for (String c : columns) {
          Double v = m.get(c);
          r.add(v == null ? "-" : String.format(Locale.ROOT, "%.4f", v));
        }
        rows.add(r);
      }
    }
    return rows;
  }
}
