package org.gemsj.study;

import org.gemsj.train.TrainPreset;

/**
 * The training budget every method of a study gets: one of `gems train`'s presets
 * ({@link TrainPreset}, which holds the settings) and how often the study probes the gradient
 * conflict. {@code small} fits the whole study in 45 minutes on 2 idle CPU cores on a
 * MovieLens-small-sized dataset; {@code medium} trains to a validation plateau; {@code full} is
 * for a bigger machine or a GPU.
 */
public enum StudyBudget {
  SMALL(TrainPreset.SMALL, 10),
  MEDIUM(TrainPreset.MEDIUM, 100),
  FULL(TrainPreset.FULL, 100);

  /** The settings. */
  public final TrainPreset preset;
  /** Steps between gradient-conflict probes. */
  public final int conflictEvery;

  StudyBudget(TrainPreset preset, int conflictEvery) {
    this.preset = preset;
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

  public String cliName() {
    return name().toLowerCase();
  }
}
