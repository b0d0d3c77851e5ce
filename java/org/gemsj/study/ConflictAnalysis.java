package org.gemsj.study;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gemsj.train.ConflictLog;

/**
 * Gradient conflict of one method over its seeds, from the runs' conflict.jsonl: the cosine
 * between the search and rec signal per targeted weight and probed step (mean over seeds), and a
 * summary per layer type (attention q/k/v/o vs feed-forward in/out). The signal is either the
 * raw task gradients ("raw"; LoRA: its adapters' gradients) or the tasks' parts of the update the
 * optimizer applied, after projections, gates and Adam's preconditioner ("applied"). A negative
 * cosine is a conflict.
 */
record ConflictAnalysis(String series, List<String> weights, List<Integer> steps, double[][] cosine,
    Map<String, Map<String, Double>> byType) {
  private static final Pattern LAYER = Pattern.compile("layer\\.(\\d+)\\.(.+)\\.weight$");

  static ConflictAnalysis of(List<List<ConflictLog.Entry>> runs, boolean applied) {
    String series = applied ? "applied" : "raw";
    Map<String, Map<Integer, List<Double>>> values = new LinkedHashMap<>(); // weight -> step -> per seed
    for (List<ConflictLog.Entry> run : runs) {
      for (ConflictLog.Entry e : usable(run, applied)) {
        (applied ? e.applied() : e.raw()).forEach((w, c) -> {
          if (Double.isFinite(c)) {
            values.computeIfAbsent(w, k -> new TreeMap<>()).computeIfAbsent(e.step(), k -> new ArrayList<>()).add(c);
          }
        });
      }
    }
    List<String> weights = new ArrayList<>(values.keySet());
    TreeMap<Integer, Boolean> allSteps = new TreeMap<>();
    values.values().forEach(m -> m.keySet().forEach(s -> allSteps.put(s, true)));
    List<Integer> steps = new ArrayList<>(allSteps.keySet());
    double[][] cos = new double[weights.size()][steps.size()];
    Map<String, List<Double>> byType = new LinkedHashMap<>();
    byType.put("attention", new ArrayList<>());
    byType.put("ffn", new ArrayList<>());
    for (int w = 0; w < weights.size(); w++) {
      for (int s = 0; s < steps.size(); s++) {
        List<Double> v = values.get(weights.get(w)).getOrDefault(steps.get(s), List.of());
        cos[w][s] = v.isEmpty() ? Double.NaN : v.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        byType.get(type(weights.get(w))).addAll(v);
      }
    }
    Map<String, Map<String, Double>> summary = new LinkedHashMap<>();
    byType.forEach((type, v) -> {
      Map<String, Double> m = new LinkedHashMap<>();
      m.put("mean_cosine", v.isEmpty() ? Double.NaN : v.stream().mapToDouble(Double::doubleValue).average().orElseThrow());
      m.put("negative_share", v.isEmpty() ? Double.NaN : v.stream().filter(c -> c < 0).count() / (double) v.size());
      m.put("probes", (double) v.size());
      summary.put(type, m);
    });
    return new ConflictAnalysis(series, weights.stream().map(ConflictAnalysis::shortName).toList(), steps, cos, summary);
  }

  /** One run's mean cosine over every targeted weight and probe of a series; NaN when it has none. */
  static double meanCosine(List<ConflictLog.Entry> run, boolean applied) {
    return usable(run, applied).stream().flatMap(e -> (applied ? e.applied() : e.raw()).values().stream())
        .filter(Double::isFinite).mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  /**
   * The probes of a series that measure something: the applied series leaves out step 1, where
   * Adam's denominator holds only that step's gradient, |c_s + c_r| per coordinate, so the parts
   * c_k / |c_s + c_r| of the coordinates where the tasks nearly cancel dominate and the cosine is
   * about -1 whatever the tasks do (logs written before the trainer stopped probing it there).
   */
  private static List<ConflictLog.Entry> usable(List<ConflictLog.Entry> run, boolean applied) {
    return applied ? run.stream().filter(e -> e.step() > 1).toList() : run;
  }

  /** "attention" or "ffn" for a targeted weight's full name. */
  static String type(String weight) {
    return weight.contains("attention") ? "attention" : "ffn";
  }

  /** "L3 q", "L3 ffn_in", ... */
  static String shortName(String weight) {
    Matcher m = LAYER.matcher(weight);
    if (!m.find()) {
      return weight;
    }
    String part = switch (m.group(2)) {
      case "attention.self.query" -> "q";
      case "attention.self.key" -> "k";
      case "attention.self.value" -> "v";
      case "attention.output.dense" -> "o";
      case "intermediate.dense" -> "ffn_in";
      case "output.dense" -> "ffn_out";
      default -> m.group(2);
    };
    return "L" + m.group(1) + " " + part;
  }

  boolean isEmpty() {
    return weights.isEmpty();
  }

  Map<String, Object> json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("series", series);
    m.put("by_type", byType);
    m.put("weights", weights);
    m.put("steps", steps);
    List<List<Double>> rows = new ArrayList<>();
    for (double[] row : cosine) {
      List<Double> r = new ArrayList<>();
      for (double c : row) {
        r.add(Double.isFinite(c) ? c : null);
      }
      rows.add(r);
    }
    m.put("cosine", rows);
    return m;
  }
}
