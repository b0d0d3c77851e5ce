package org.gemsj.train;

import java.nio.file.Path;
import java.util.Objects;
import org.gemsj.backbone.Backbone;
import org.gemsj.io.FileConfinement;
import org.gemsj.model.ItemIds;
import org.gemsj.model.ModelFactory;
import org.gemsj.model.ModelInputs;
import org.gemsj.optim.Decomposition;
import org.gemsj.optim.GateMode;

/**
 * The settings of a new run, each starting at its {@link TrainDefaults} value, and
 * {@link #config()}, the checked {@link TrainConfig} they make. Every way of starting a run fills
 * one: `gems train` (its options and presets), a job spec, the study's budgets and methods, and
 * {@code api.GemsTrainer} (which extends it). {@code B} is the concrete builder, so that setters
 * chain on it.
 */
public abstract class TrainSettings<B extends TrainSettings<B>> {
  private final Path data;
  private final Path out;
  private TrainMethod method = TrainMethod.fromCli(TrainDefaults.METHOD);
  private boolean noNullSpace;
  private boolean singleSubspace;
  private Backbone backbone = Backbone.parse(TrainDefaults.BACKBONE, FileConfinement.NONE);
  private ItemIds.Scheme ids = ItemIds.Scheme.fromCli(TrainDefaults.IDS);
  private int steps = TrainDefaults.STEPS;
  private int batchSize = TrainDefaults.BATCH_SIZE;
  private long seed = TrainDefaults.SEED;
  private Double lr; // null: the method's default
  private double decoderLr = TrainDefaults.DECODER_LR;
  private int rankShared = TrainDefaults.RANK_SHARED;
  private Integer rankTask; // null: from rankShared
  private int refreshInterval = TrainDefaults.REFRESH;
  private boolean refreshWarmup;
  private Decomposition decomposition = Decomposition.fromCli(TrainDefaults.DECOMPOSITION);
  private GateMode gates = GateMode.fromCli(TrainDefaults.GATES);
  private double alpha = TrainDefaults.ALPHA;
  private int loraRank = TrainDefaults.LORA_RANK;
  private double loraAlpha = TrainDefaults.LORA_ALPHA;
  private double loraDropout = TrainDefaults.LORA_DROPOUT;
  private double dropout = TrainDefaults.DROPOUT;
  private double nullSpaceEnergy = TrainDefaults.NULL_SPACE_ENERGY;
  private Path knowledgeCorpus; // null: the shipped general-English corpus
  private Path cacheDir; // null: ~/.cache/gems-j
  private int levels = TrainDefaults.LEVELS;
  private int codebook = TrainDefaults.CODEBOOK;
  private int decoderLayers = TrainDefaults.DECODER_LAYERS;
  private int decoderWidth = TrainDefaults.DECODER_WIDTH;
  private int decoderHeads = TrainDefaults.DECODER_HEADS;
  private int decoderFfn = TrainDefaults.DECODER_FFN;
  private int maxTokens = TrainDefaults.MAX_TOKENS;
  private int historyLength = TrainDefaults.HISTORY;
  private ModelInputs.Format input = ModelInputs.Format.fromHistoryText(TrainDefaults.HISTORY_TEXT);
  private Boolean itemPrior; // null: on for atomic ids
  private Boolean transitionPrior; // null: on for atomic ids
  private int evalEvery = TrainDefaults.EVAL_EVERY;
  private int patience = TrainDefaults.PATIENCE;
  private int checkpointEvery = TrainDefaults.CHECKPOINT_EVERY;
  private int validLimit = TrainDefaults.VALID_LIMIT;

  protected TrainSettings(Path data, Path out) {
    this.data = Objects.requireNonNull(data, "data");
    this.out = Objects.requireNonNull(out, "out");
  }

  protected abstract B self();

  /** gems (default), galore, lora or full. */
  public B method(String cliName) { method = TrainMethod.fromCli(cliName); return self(); }
  public B method(TrainMethod m) { method = Objects.requireNonNull(m, "method"); return self(); }
  /** gems ablation: no null-space projection. */
  public B noNullSpace(boolean on) { noNullSpace = on; return self(); }
  /** gems ablation: one shared subspace. */
  public B singleSubspace(boolean on) { singleSubspace = on; return self(); }
  /** minilm (default), bge-small, or a Hugging Face encoder directory (opened and checked now). */
  public B backbone(String nameOrDirectory) { backbone = Backbone.parse(nameOrDirectory, FileConfinement.NONE); return self(); }
  public B backbone(Backbone b) { backbone = Objects.requireNonNull(b, "backbone"); return self(); }
  /** Dropout in the encoder and decoder while training (default 0.1; 0: off, e.g. to compare runs exactly). */
  public B dropout(double p) { dropout = p; return self(); }
  /** atomic (default) or semantic item identifiers. */
  public B ids(String cliName) { ids = ItemIds.Scheme.fromCli(cliName); return self(); }
  public B steps(int n) { steps = n; return self(); }
  public B batchSize(int n) { batchSize = n; return self(); }
  public B seed(long s) { seed = s; return self(); }
  public B lr(double v) { lr = v; return self(); }
  public B decoderLr(double v) { decoderLr = v; return self(); }
  public B rankShared(int r) { rankShared = r; return self(); }
  public B rankTask(int r) { rankTask = r; return self(); }
  public B refreshInterval(int n) { refreshInterval = n; return self(); }
  /** Extra basis refreshes at steps 1 + 2^k below the interval (GemsConfig#refreshWarmup). */
  public B refreshWarmup(boolean on) { refreshWarmup = on; return self(); }
  /** gems: reference (default) or complementary subspaces ({@link Decomposition}). */
  public B decomposition(String cliName) { decomposition = Decomposition.fromCli(cliName); return self(); }
  public B decomposition(Decomposition d) { decomposition = Objects.requireNonNull(d, "decomposition"); return self(); }
  /** gems: what the task gates read, reference (default) or running ({@link GateMode}). */
  public B gates(String cliName) { gates = GateMode.fromCli(cliName); return self(); }
  public B gates(GateMode g) { gates = Objects.requireNonNull(g, "gates"); return self(); }
  public B alpha(double v) { alpha = v; return self(); }
  public B loraRank(int r) { loraRank = r; return self(); }
  public B loraAlpha(double v) { loraAlpha = v; return self(); }
  public B loraDropout(double v) { loraDropout = v; return self(); }
  public B nullSpaceEnergy(double v) { nullSpaceEnergy = v; return self(); }
  public B knowledgeCorpus(Path p) { knowledgeCorpus = p; return self(); }
  /** Where null-space estimates are cached (default ~/.cache/gems-j). */
  public B cacheDir(Path p) { cacheDir = p; return self(); }
  public B levels(int n) { levels = n; return self(); }
  public B codebook(int n) { codebook = n; return self(); }
  public B decoderLayers(int n) { decoderLayers = n; return self(); }
  /** 0: the encoder's width. */
  public B decoderWidth(int n) { decoderWidth = n; return self(); }
  public B decoderHeads(int n) { decoderHeads = n; return self(); }
  public B decoderFfn(int n) { decoderFfn = n; return self(); }
  public B maxTokens(int n) { maxTokens = n; return self(); }
  /** Past events shown to the model. */
  public B historyLength(int n) { historyLength = n; return self(); }
  /** none (default): the history as item tokens only; titles: item tokens, then their titles. */
  public B historyText(String cliName) { input = ModelInputs.Format.fromHistoryText(cliName); return self(); }
  /** Start each item's identifier bias at ln(1 + training count) (default: on for atomic ids). */
  public B itemPrior(boolean on) { itemPrior = on; return self(); }
  /** Add the item-to-item prior to the identifier softmax ({@code TransitionPrior}; default: on for atomic ids). */
  public B transitionPrior(boolean on) { transitionPrior = on; return self(); }
  /** transitions (both priors), popularity (the bias only) or none, as {@code --item-prior} takes it. */
  public B itemPrior(String cliName) {
    switch (cliName) {
      case "transitions" -> { itemPrior = true; transitionPrior = true; }
      case "popularity" -> { itemPrior = true; transitionPrior = false; }
      case "none" -> { itemPrior = false; transitionPrior = false; }
      default -> throw new IllegalArgumentException("--item-prior must be transitions, popularity or none, got '"
          + cliName + "'");
    }
    return self();
  }
  public B evalEvery(int n) { evalEvery = n; return self(); }
  public B patience(int n) { patience = n; return self(); }
  public B checkpointEvery(int n) { checkpointEvery = n; return self(); }
  public B validLimit(int n) { validLimit = n; return self(); }

  /** The effective configuration; throws IllegalArgumentException naming a bad setting. */
  public TrainConfig config() {
    double defaultLr = method == TrainMethod.LORA ? TrainDefaults.LORA_LR : TrainDefaults.LR;
    ModelFactory.Options model = new ModelFactory.Options(backbone, ids, levels, codebook, decoderLayers, decoderWidth,
        decoderHeads, decoderFfn, maxTokens, historyLength, input, or(itemPrior, ids == ItemIds.Scheme.ATOMIC),
        or(transitionPrior, ids == ItemIds.Scheme.ATOMIC));
    Path cache = cacheDir != null ? cacheDir : Path.of(System.getProperty("user.home"), ".cache", "gems-j");
    TrainConfig c = new TrainConfig(data, out, method, noNullSpace, singleSubspace, model, steps, batchSize, seed,
        or(lr, defaultLr), decoderLr, TrainDefaults.WARMUP_FRACTION, TrainDefaults.WEIGHT_DECAY, dropout,
        rankShared, or(rankTask, TrainDefaults.rankTask(rankShared)), refreshInterval, alpha, loraRank, loraAlpha,
        loraDropout, nullSpaceEnergy, knowledgeCorpus, cache, evalEvery, patience, checkpointEvery, validLimit,
        refreshWarmup, decomposition, gates);
    c.check();
    return c;
  }

  private static <T> T or(T value, T fallback) {
    return value != null ? value : fallback;
  }
}
