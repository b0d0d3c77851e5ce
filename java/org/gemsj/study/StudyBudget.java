package org.gemsj.study;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training budget every method gets: the `gems train` options a budget sets. {@code small}
 * fits the whole study (6 methods x 3 seeds) in 45 minutes on 2 idle CPU cores on a
 * MovieLens-small-sized dataset; {@code full} is for a bigger machine or a GPU.
 *
 * <p>{@code small} validates once, at its last step, so every run is evaluated at the end of its
 * budget: choosing the best of three checkpoints on 100-example validation samples (1-3 hits)
 * picked step-50 models in 3 of 12 runs and made the seed noise, not the method, decide the
 * ranking (docs/RESULTS.md).
 */
public enum StudyBudget {
  SMALL(List.of("--steps", "150", "--batch-size", "16", "--max-tokens", "32", "--history", "3",
      "--eval-every", "150", "--valid-limit", "100", "--refresh", "50", "--checkpoint-every", "150"), 10),
  /**
   * Trains until MovieLens-small's validation NDCG@10 stops improving, in at most an hour a run on
   * 2 cores (docs/RESULTS.md, "A budget that converges"); the history as 20 item tokens.
   */
  MEDIUM(List.of("--steps", "3000", "--batch-size", "16", "--max-tokens", "32", "--history", "20",
      "--eval-every", "250", "--valid-limit", "300", "--refresh", "200", "--checkpoint-every", "250"), 100),
  FULL(List.of("--steps", "3000", "--batch-size", "32", "--max-tokens", "64", "--history", "10",
      "--eval-every", "250", "--valid-limit", "500", "--refresh", "200", "--checkpoint-every", "250"), 100);

  private final Map<String, String> options;
  /** Steps between gradient-conflict probes. */
  public final int conflictEvery;

  /** {@code options}: option, value, option, value, ... in the order the run's arguments list them. */
  StudyBudget(List<String> options, int conflictEvery) {
    this.options = new LinkedHashMap<>();
    for (int i = 0; i < options.size(); i += 2) {
      this.options.put(options.get(i), options.get(i + 1));
    }
    this.conflictEvery = conflictEvery;
  }

  public static StudyBudget parse(String s) {
    return switch (s) {
      case "small" -> SMALL;
      case "medium" -> MEDIUM;
      case "full" -> FULL;
      default -> throw new IllegalArgumentException("--budget must be small, medium or full, got '" + s + "'");
    };
  }

  /** {@code gems train --preset NAME} for a budget (demo is the train command's own). */
  public static StudyBudget parsePreset(String s) {
    try {
      return parse(s);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown --preset '" + s + "' (demo, small, medium or full)");
    }
  }

  public String cliName() {
    return name().toLowerCase();
  }

  /** The budget's options with {@code overrides} (same option names) replacing them, as train arguments. */
  public List<String> trainArgs(Map<String, String> overrides) {
    Map<String, String> merged = new LinkedHashMap<>(options);
    merged.putAll(overrides);
    List<String> args = new ArrayList<>();
    merged.forEach((k, v) -> {
      args.add(k);
      args.add(v);
    });
    return args;
  }

  /** The value of one of the budget's options after overrides. */
  public String option(String name, Map<String, String> overrides) {
    return overrides.getOrDefault(name, options.get(name));
  }
}
