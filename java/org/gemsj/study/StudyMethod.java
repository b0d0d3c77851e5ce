package org.gemsj.study;

import java.util.List;

/**
 * A method as written on the command line ("gems --no-null-space") and the `gems train` options
 * that select it; {@code slug} names its run directories.
 */
public record StudyMethod(String name, List<String> trainArgs) {
  /** The methods the study compares, GEMS first (the reference of every difference). */
  public static final List<StudyMethod> ALL = List.of(
      new StudyMethod("gems", List.of("--method", "gems")),
      new StudyMethod("gems --no-null-space", List.of("--method", "gems", "--no-null-space")),
      new StudyMethod("gems --single-subspace", List.of("--method", "gems", "--single-subspace")),
      new StudyMethod("galore", List.of("--method", "galore")),
      new StudyMethod("lora", List.of("--method", "lora")),
      new StudyMethod("full", List.of("--method", "full")));

  public String slug() {
    return name.replace(" --", "-").replace(' ', '-');
  }

  /** Whether this method's optimizer decomposes its update by task (conflict of applied updates). */
  public boolean subspaceMethod() {
    return name.startsWith("gems") || name.equals("galore");
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
