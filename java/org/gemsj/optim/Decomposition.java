package org.gemsj.optim;

/**
 * How a GEMS refresh splits the gradients into the shared and the two task subspaces
 * (docs/METHOD.md, "Subspace decomposition").
 *
 * <p>REFERENCE (the default) is the reference code's: the shared basis is the top-r_sh SVD of
 * the sample-weighted mixed gradient and each task basis the top-r_task SVD of its own gradient,
 * so a task's leading directions mostly lie in the shared basis too. COMPLEMENTARY (see
 * {@link ComplementaryBases}) takes the shared basis from where the two tasks' gradients agree
 * and each task basis from what the shared basis leaves of its gradient, orthogonal to it.
 * REFERENCE stays the default until a validation run has compared the two.
 */
public enum Decomposition {
  REFERENCE("reference"),
  COMPLEMENTARY("complementary");

  /** The value as {@code --decomposition} takes it. */
  public final String cliName;

  Decomposition(String cliName) {
    this.cliName = cliName;
  }

  public static Decomposition fromCli(String name) {
    for (Decomposition d : values()) {
      if (d.cliName.equals(name)) {
        return d;
      }
    }
    throw new IllegalArgumentException("--decomposition must be reference or complementary, got '" + name + "'");
  }
}
