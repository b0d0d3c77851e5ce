package org.gemsj.train;

import org.gemsj.backbone.Backbone;
import org.gemsj.model.ItemIds;
import org.gemsj.model.ModelFactory;
import org.gemsj.model.ModelInputs;

/**
 * Every training setting's default, in one table: {@link TrainSettings} starts from these, and
 * `gems train --help` prints them (compile-time constants, so the help texts cannot drift).
 * Presets ({@link TrainPreset}) change some of them.
 */
public final class TrainDefaults {
  public static final String METHOD = "gems";
  public static final String BACKBONE = "minilm";
  public static final String IDS = "atomic";
  public static final int STEPS = 1000;
  public static final int BATCH_SIZE = 32;
  public static final long SEED = 7;
  /**
   * The GEMS family, GaLore and full fine-tuning: on MovieLens, 2e-4 tied 5e-5 on validation but
   * moved the encoder far more (held-out cosine 0.78 vs 0.98; docs/RESULTS.md, "Selecting GEMS's settings").
   */
  public static final double LR = 5e-5;
  public static final double LORA_LR = 5e-4;
  public static final double DECODER_LR = 1e-3;
  public static final double WARMUP_FRACTION = 0.05;
  public static final double WEIGHT_DECAY = 0.01;
  public static final double DROPOUT = 0.1;
  public static final int RANK_SHARED = 128;
  /** r_task when unset: r_sh / 2 (at least 1). */
  public static int rankTask(int rankShared) {
    return Math.max(1, rankShared / 2);
  }
  public static final int REFRESH = 200;
  public static final double ALPHA = 1.0;
  public static final String DECOMPOSITION = "reference";
  public static final String GATES = "reference";
  public static final int LORA_RANK = 16;
  public static final double LORA_ALPHA = 32;
  public static final double LORA_DROPOUT = 0.05;
  /** 0.9 protected 10% of the directions and let the encoder drift. */
  public static final double NULL_SPACE_ENERGY = 0.99;
  public static final int MAX_TOKENS = 96;
  public static final int HISTORY = 20;
  public static final String HISTORY_TEXT = "none";
  public static final int LEVELS = 3;
  public static final int CODEBOOK = 16;
  public static final int DECODER_LAYERS = 1;
  /** 0: the encoder's width. */
  public static final int DECODER_WIDTH = 0;
  public static final int DECODER_HEADS = 6;
  public static final int DECODER_FFN = 1024;
  public static final int EVAL_EVERY = 50;
  public static final int PATIENCE = 5;
  public static final int CHECKPOINT_EVERY = 100;
  public static final int VALID_LIMIT = 200;

  private TrainDefaults() {}

  /** The model a run builds when no model setting is given. */
  public static ModelFactory.Options model(Backbone backbone) {
    return new ModelFactory.Options(backbone, ItemIds.Scheme.ATOMIC, LEVELS, CODEBOOK, DECODER_LAYERS, DECODER_WIDTH,
        DECODER_HEADS, DECODER_FFN, MAX_TOKENS, HISTORY, ModelInputs.Format.ITEMS, true, true);
  }
}
