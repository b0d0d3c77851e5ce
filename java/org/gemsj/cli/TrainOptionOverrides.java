package org.gemsj.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.gemsj.train.TrainSettings;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The study's {@code --set NAME=VALUE} arguments as `gems train` options ("lr=1e-4" -> "--lr", "1e-4")
 * and the settings they give, checked against `gems train`'s own options before any run starts, so
 * a typo fails in a second and not after an hour of runs.
 */
final class TrainOptionOverrides {
  /**
   * Options the study sets for each run itself: a --set of these would break the study's
   * bookkeeping, or silently change what a method is (its decomposition and gates define it).
   */
  private static final Set<String> STUDY_OWNED = Set.of("--data", "--out", "--seed", "--method", "--backbone",
      "--cache-dir", "--conflict-every", "--resume", "--preset", "--decomposition", "--gates");

  private TrainOptionOverrides() {}

  static Map<String, String> parse(List<String> sets) {
    CommandSpec train = CommandSpec.forAnnotatedObject(new TrainCommand());
    Map<String, String> out = new LinkedHashMap<>();
    for (String s : sets) {
      int eq = s.indexOf('=');
      if (eq <= 0 || eq == s.length() - 1) {
        throw new IllegalArgumentException("--set: expected NAME=VALUE (e.g. lr=1e-4), got '" + s + "'");
      }
      String name = "--" + s.substring(0, eq).replaceFirst("^--", "");
      OptionSpec option = train.findOption(name);
      if (option == null) {
        throw new IllegalArgumentException("--set " + s + ": `gems train` has no option " + name);
      }
      if (STUDY_OWNED.contains(option.longestName())) {
        throw new IllegalArgumentException("--set " + s + ": the study sets " + name + " itself");
      }
      if (option.arity().max() == 0) {
        throw new IllegalArgumentException("--set " + s + ": " + name + " is a flag and takes no value");
      }
      out.put(option.longestName(), s.substring(eq + 1));
    }
    return out;
  }

  /**
   * The settings that {@code options} (option -> value, as {@link #parse} returns them) give, as
   * `gems train` parses them: a bad value fails here, before any run starts.
   */
  static Consumer<TrainSettings<?>> settings(Map<String, String> options) {
    List<String> args = new ArrayList<>();
    options.forEach((k, v) -> {
      args.add(k);
      args.add(v);
    });
    return TrainCommand.settingsOf(args);
  }
}
