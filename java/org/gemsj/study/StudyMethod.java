package org.gemsj.study;

import java.util.List;
import java.util.function.Consumer;
import org.gemsj.optim.Decomposition;
import org.gemsj.optim.GateMode;
import org.gemsj.train.TrainMethod;
import org.gemsj.train.TrainSettings;

/**
 * A method as written on the command line ("gems --no-null-space") and the settings that select
 * it; {@code slug} names its run directories.
 */
public record StudyMethod(String name, Consumer<TrainSettings<?>> settings) {
  /**
   * The methods the study compares, GEMS first (the reference of every difference): the method
   * with the reference code's subspaces and gates, then the complementary decomposition alone and
   * with running gates (docs/METHOD.md), the ablations, and the baselines. GEMS's variants name
   * their decomposition and gates explicitly, so a later change of the defaults cannot change what
   * a finished run means.
   */
  public static final List<StudyMethod> ALL = List.of(
      gems("gems", Decomposition.REFERENCE, GateMode.REFERENCE, b -> {}),
      gems("gems --decomposition complementary", Decomposition.COMPLEMENTARY, GateMode.REFERENCE, b -> {}),
      gems("gems --decomposition complementary --gates running", Decomposition.COMPLEMENTARY, GateMode.RUNNING,
          b -> {}),
      gems("gems --no-null-space", Decomposition.REFERENCE, GateMode.REFERENCE, b -> b.noNullSpace(true)),
      gems("gems --single-subspace", Decomposition.REFERENCE, GateMode.REFERENCE, b -> b.singleSubspace(true)),
      new StudyMethod("galore", b -> b.method(TrainMethod.GALORE)),
      new StudyMethod("lora", b -> b.method(TrainMethod.LORA)),
      new StudyMethod("full", b -> b.method(TrainMethod.FULL)));

  private static StudyMethod gems(String name, Decomposition d, GateMode g, Consumer<TrainSettings<?>> ablation) {
    return new StudyMethod(name, b -> {
      b.method(TrainMethod.GEMS).decomposition(d).gates(g);
      ablation.accept(b);
    });
  }

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
