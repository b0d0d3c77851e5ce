package org.gemsj.train;

import java.util.function.Consumer;

/**
 * Named sets of settings: {@code gems train --preset NAME} starts from one, and the study's
 * budgets are the last three. Settings given next to a preset override it.
 *
 * <p>{@code small} fits the whole study in 45 minutes on 2 idle CPU cores on a MovieLens-small-sized
 * dataset and validates once, at its last step, so every run is evaluated at the end of its
 * budget: choosing the best of three checkpoints on 100-example validation samples (1-3 hits)
 * picked step-50 models in 3 of 12 runs and made the seed noise, not the method, decide the
 * ranking (docs/RESULTS.md). {@code full} is for a bigger machine or a GPU.
 */
public enum TrainPreset {
  /** A run of a few minutes on 2 cores on the embedded synthetic shop. */
  DEMO(b -> b.steps(500).batchSize(16).refreshInterval(50).historyLength(10).maxTokens(48).evalEvery(100)
      .validLimit(100)
      // on the shop the history decides the search pick; the transition prior lets rec skip learning to read
      // it, and search lost half its validation NDCG@10 (docs/RESULTS.md)
      .itemPrior("popularity")),
  SMALL(b -> b.steps(150).batchSize(16).maxTokens(32).historyLength(3).evalEvery(150).validLimit(100)
      .refreshInterval(50).checkpointEvery(150)),
  /**
   * Trains until MovieLens-small's validation NDCG@10 stops improving, in at most an hour a run on
   * 2 cores (docs/RESULTS.md, "A budget that converges"); the history as 20 item tokens.
   */
  MEDIUM(b -> b.steps(3000).batchSize(16).maxTokens(32).historyLength(20).evalEvery(250).validLimit(300)
      .refreshInterval(200).checkpointEvery(250)),
  FULL(b -> b.steps(3000).batchSize(32).maxTokens(64).historyLength(10).evalEvery(250).validLimit(500)
      .refreshInterval(200).checkpointEvery(250));

  private final Consumer<TrainSettings<?>> settings;

  TrainPreset(Consumer<TrainSettings<?>> settings) {
    this.settings = settings;
  }

  /** Sets the preset's settings on {@code b}; returns {@code b}. */
  public <B extends TrainSettings<B>> B applyTo(B b) {
    settings.accept(b);
    return b;
  }

  public String cliName() {
    return name().toLowerCase();
  }

  /** A preset by its {@code --preset} name. */
  public static TrainPreset fromCli(String s) {
    for (TrainPreset p : values()) {
      if (p.cliName().equals(s)) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown --preset '" + s + "' (demo, small, medium or full)");
  }
}
