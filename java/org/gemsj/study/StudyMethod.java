package org.gemsj.study;

import java.util.List;

/**
 * A method as written on the command line ("gems --no-null-space") and the `gems train` options
 * that select it; {@code slug} names its run directories.
 */
public record StudyMethod(String name, List<String> trainArgs) {
  /**
   * The methods the study compares, GEMS first (the reference of every difference): the method
   * with the reference code's subspaces and gates, then the complementary decomposition alone and
   * with running gates (docs/METHOD.md), the ablations, and the baselines. GEMS's variants name
   * their decomposition and gates explicitly, so a later change of the defaults cannot change what
   * a finished run means.
   */
  public static final List<StudyMethod> ALL = List.of(
      new StudyMethod("gems", List.of("--method", "gems", "--decomposition", "reference", "--gates", "reference")),
      new StudyMethod("gems --decomposition complementary", List.of("--method", "gems", "--decomposition",
          "complementary", "--gates", "reference")),
      new StudyMethod("gems --decomposition complementary --gates running", List.of("--method", "gems",
          "--decomposition", "complementary", "--gates", "running")),
      new StudyMethod("gems --no-null-space", List.of("--method", "gems", "--no-null-space", "--decomposition",
          "reference", "--gates", "reference")),
      new StudyMethod("gems --single-subspace", List.of("--method", "gems", "--single-subspace")),
      new StudyMethod("galore", List.of("--method", "galore")),
      new StudyMethod("lora", List.of("--method", "lora")),
      new StudyMethod("full", List.of("--method", "full")));

  public String slug() {
    return name.replace(" --", "-").replace(' ', '-');
  }

  /** The methods named in a comma-separated list, in {@link #ALL}'s order. */
  public static List<StudyMethod> parse(String list) {
    List<String> names = List.of(list.split(",")).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
    for (String n : names) {
      if (ALL.stream().noneMatch(m -> m.name.equals(n))) {
        throw new IllegalArgumentException("--methods: unknown method '" + n + "' (known: "
            + String.join(", ", ALL.stream().map(StudyMethod::name).toList()) + ")");
      }
    }
    if (names.isEmpty()) {
      throw new IllegalArgumentException("--methods: empty list");
    }
    return ALL.stream().filter(m -> names.contains(m.name)).toList();
  }
}
