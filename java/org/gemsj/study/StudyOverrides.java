package org.gemsj.study;

import java.util.function.Consumer;
import org.gemsj.train.TrainSettings;

/**
 * Settings that replace the budget's in every run of a study (`gems study --steps 50 --set
 * lr=1e-4`), applied after the budget and the method, and how the report names them.
 *
 * @param description as the command line gave them, e.g. "--steps 50 --set lr=1e-4" ("" for none)
 */
public record StudyOverrides(String description, Consumer<TrainSettings<?>> settings) {
  public static final StudyOverrides NONE = new StudyOverrides("", b -> {});
}
