package org.gemsj.train;

/** How the pretrained encoder is adapted (the decoder is always trained with AdamW). */
public enum TrainMethod {
  /** GEMS: shared + per-task subspaces, adaptive gates, null-space projection. */
  GEMS("gems"),
  /** GaLore: one low-rank gradient subspace (no task subspaces, no null space). */
  GALORE("galore"),
  /** LoRA adapters on the targeted weights; the rest of the encoder frozen. */
  LORA("lora"),
  /** AdamW on every encoder weight. */
  FULL("full");

  public final String cliName;

  TrainMethod(String cliName) {
    this.cliName = cliName;
  }

  public static TrainMethod fromCli(String s) {
    for (TrainMethod m : values()) {
      if (m.cliName.equals(s)) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown method '" + s + "' (choose gems, galore, lora or full)");
  }
}
