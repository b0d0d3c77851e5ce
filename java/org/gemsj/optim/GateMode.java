package org.gemsj.optim;

/**
 * What the GEMS gates read ({@link Gating}): REFERENCE, this batch's losses, gradient norms and
 * sample counts (the method's formula, one gate pair a step); RUNNING, running means of the
 * same signals with the gradient norm's noise removed, one gate pair per targeted weight
 * ({@link RunningGates}).
 */
public enum GateMode {
  REFERENCE("reference"),
  RUNNING("running");

  /** The value as {@code --gates} takes it. */
  public final String cliName;

  GateMode(String cliName) {
    this.cliName = cliName;
  }

  public static GateMode fromCli(String name) {
    for (GateMode g : values()) {
      if (g.cliName.equals(name)) {
        return g;
      }
    }
    throw new IllegalArgumentException("--gates must be reference or running, got '" + name + "'");
  }

  /** The optimizer's gating for this mode, at the method's default weights. */
  public Gating gating() {
    return this == RUNNING ? Gating.runningDefault() : Gating.adaptiveDefault();
  }
}
