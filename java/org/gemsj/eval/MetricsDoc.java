package org.gemsj.eval;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.gemsj.data.Task;

/**
 * The content of metrics.json. Metric blocks map a task's wire name ("search", "rec") to metrics
 * keyed exactly as {@link RankingMetrics#KEYS}; {@code baselines} maps a baseline's name to such
 * a block. {@code extra} holds further top-level fields (e.g. "config", "counts").
 */
public record MetricsDoc(
    String method,
    String backbone,
    Map<String, Map<String, Double>> test,
    Map<String, Map<String, Double>> valid,
    Map<String, Map<String, Double>> sampledTest,
    Map<String, Map<String, Map<String, Double>>> baselines,
    double trainSeconds,
    Map<String, Object> extra) {
  /** Top-level fields the format owns, in file order; extras may not reuse them. */
  public static final List<String> FIELDS =
      List.of("method", "backbone", "test", "valid", "sampled_test", "baselines", "train_seconds");

  public MetricsDoc {
    if (method == null || backbone == null) {
      throw new IllegalArgumentException("method and backbone are required");
    }
    if (!Double.isFinite(trainSeconds)) {
      throw new IllegalArgumentException("train_seconds must be finite, got " + trainSeconds);
    }
    test = block("test", test);
    valid = block("valid", valid);
    sampledTest = block("sampled_test", sampledTest);
    Map<String, Map<String, Map<String, Double>>> b = new LinkedHashMap<>();
    baselines.forEach((name, blk) -> b.put(name, block("baselines." + name, blk)));
    baselines = Collections.unmodifiableMap(b);
    Map<String, Object> x = new LinkedHashMap<>(extra == null ? Map.of() : extra);
    for (String f : FIELDS) {
      if (x.containsKey(f)) {
        throw new IllegalArgumentException("extra field '" + f + "' clashes with a metrics.json field");
      }
    }
    extra = Collections.unmodifiableMap(x);
  }

  /**
   * The usual document: the model's test (full and sampled) and valid results, baselines' full test
   * results under their scorer names, and "counts" (examples per split and task) plus
   * "sampled_baselines" added to {@code extra}. {@code valid} may be null.
   */
  public static MetricsDoc of(String method, String backbone, EvalResult test, EvalResult valid,
      List<EvalResult> baselines, double trainSeconds, Map<String, Object> extra) {
    Map<String, Map<String, Map<String, Double>>> base = new LinkedHashMap<>();
    Map<String, Object> sampledBase = new LinkedHashMap<>();
    for (EvalResult r : baselines) {
      base.put(r.scorer(), r.fullByWire());
      sampledBase.put(r.scorer(), r.sampledByWire());
    }
    Map<String, Object> counts = new LinkedHashMap<>();
    counts.put("test", test.countsByWire());
    if (valid != null) {
      counts.put("valid", valid.countsByWire());
    }
    Map<String, Object> x = new LinkedHashMap<>(extra == null ? Map.of() : extra);
    x.putIfAbsent("counts", counts);
    x.putIfAbsent("sampled_baselines", sampledBase);
    return new MetricsDoc(method, backbone, test.fullByWire(), valid == null ? Map.of() : valid.fullByWire(),
        test.sampledByWire(), base, trainSeconds, x);
  }

  /** Checks a block and reorders each task's metrics as KEYS, tasks in {@link Task} order. */
  static Map<String, Map<String, Double>> block(String where, Map<String, Map<String, Double>> blk) {
    Map<String, Map<String, Double>> out = new LinkedHashMap<>();
    if (blk == null) {
      return Collections.unmodifiableMap(out);
    }
    for (String task : blk.keySet()) {
      if (Task.fromWire(task) == null) {
        throw new IllegalArgumentException(where + ": unknown task '" + task + "'");
      }
    }
    for (Task t : Task.values()) {
      Map<String, Double> m = blk.get(t.wire);
      if (m == null) {
        continue;
      }
      if (!m.keySet().equals(Set.copyOf(RankingMetrics.KEYS))) {
        throw new IllegalArgumentException(where + "." + t.wire + ": metric keys " + m.keySet()
            + " differ from " + RankingMetrics.KEYS);
      }
      Map<String, Double> ordered = new LinkedHashMap<>();
      for (String k : RankingMetrics.KEYS) {
        Double v = m.get(k);
        if (v == null || !Double.isFinite(v)) {
          throw new IllegalArgumentException(where + "." + t.wire + "." + k + " must be finite, got " + v);
        }
        ordered.put(k, v);
      }
      out.put(t.wire, Collections.unmodifiableMap(ordered));
    }
    return Collections.unmodifiableMap(out);
  }
}
