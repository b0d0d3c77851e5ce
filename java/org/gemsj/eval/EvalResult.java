package org.gemsj.eval;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.gemsj.data.Task;

/**
 * Metrics of one scorer per task under the FULL catalogue protocol (primary) and the SAMPLED one
 * (target among 99 random negatives). A task without examples is absent, not zero.
 */
public record EvalResult(
    String scorer,
    Map<Task, Map<String, Double>> full,
    Map<Task, Map<String, Double>> sampled,
    Map<Task, Long> counts) {
  public EvalResult {
    full = copy(full);
    sampled = copy(sampled);
    counts = copy(counts);
  }

  private static <V> Map<Task, V> copy(Map<Task, V> m) {
    EnumMap<Task, V> out = new EnumMap<>(Task.class);
    out.putAll(m);
    return Collections.unmodifiableMap(out);
  }

  /** Same maps keyed by {@link Task#wire}, the shape of a metrics.json block. */
  public static Map<String, Map<String, Double>> byWire(Map<Task, Map<String, Double>> byTask) {
    Map<String, Map<String, Double>> out = new LinkedHashMap<>();
    for (Task t : Task.values()) {
      if (byTask.containsKey(t)) {
        out.put(t.wire, byTask.get(t));
      }
    }
    return out;
  }

  /** The mean over the evaluated tasks of full-catalogue metric {@code key}; 0 when none was evaluated. */
  public double meanOverTasks(String key) {
    double sum = 0;
    for (Map<String, Double> metrics : full().values()) {
      sum += metrics.get(key);
    }
    return full().isEmpty() ? 0 : sum / full().size();
  }

  public Map<String, Map<String, Double>> fullByWire() {
    return byWire(full);
  }

  public Map<String, Map<String, Double>> sampledByWire() {
    return byWire(sampled);
  }

  public Map<String, Long> countsByWire() {
    Map<String, Long> out = new LinkedHashMap<>();
    counts.forEach((t, n) -> out.put(t.wire, n));
    return out;
  }
}
