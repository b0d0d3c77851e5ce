package org.gemsj.api;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.gemsj.backbone.Backbone;
import org.gemsj.eval.MetricsDoc;
import org.gemsj.model.ItemIds;
import org.gemsj.model.ModelFactory;
import org.gemsj.model.ModelInputs;
import org.gemsj.optim.Decomposition;
import org.gemsj.optim.GateMode;
import org.gemsj.train.TrainConfig;
import org.gemsj.train.TrainListener;
import org.gemsj.train.TrainMethod;
import org.gemsj.train.Trainer;
import org.gemsj.train.TrainingStopped;

/**
 * Training from a JVM service: what {@code gems train} does, with progress as {@link TrainListener}
 * events instead of console output, and a graceful {@link #stop()}.
 *
 * <pre>{@code
 * GemsTrainer trainer = GemsTrainer.builder(data, out).steps(500).build();
 * MetricsDoc metrics = trainer.run(listener); // or TrainingStopped after stop(): resume(out)
 * }</pre>
 *
 * One instance runs once. {@link #stop()} may be called from any thread, the listener included.
 */
public final class GemsTrainer {
  private final Trainer trainer;
  private final TrainConfig config;
  private final boolean resume;
  private final boolean overwrite;
  private final AtomicBoolean started = new AtomicBoolean();

  private GemsTrainer(TrainConfig config, boolean resume, boolean overwrite) {
    this.config = config;
    this.resume = resume;
    this.overwrite = overwrite;
    PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
    this.trainer = new Trainer(config, discard).progressTo(discard); // log lines reach the listener
  }

  /** A new run on the dataset in {@code data} (docs/DATA.md), writing into {@code out}. */
  public static Builder builder(Path data, Path out) {
    return new Builder(data, out);
  }

  /** Continues the run in {@code out} from its checkpoint, with the settings it started with. */
  public static GemsTrainer resume(Path out) throws IOException {
    return new GemsTrainer(Trainer.savedConfig(out).relocated(out), true, false);
  }

  /** The run's full configuration (what OUT/train_config.json holds). */
  public TrainConfig config() {
    return config;
  }

  /**
   * Trains and evaluates; returns metrics.json's content. Blocks until done.
   *
   * @throws TrainingStopped when {@link #stop()} ended the run early (the checkpoint holds its
   *     last step; {@link #resume(Path)} continues it)
   * @throws IllegalStateException when this instance has run before
   */
  public MetricsDoc run(TrainListener listener) throws IOException, TrainingStopped {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("this GemsTrainer has already run; use GemsTrainer.resume(out) or a new one");
    }
    return trainer.listener(listener).run(resume, overwrite);
  }

  /** Asks the run to stop at the end of the current step, after writing a checkpoint. Thread-safe. */
  public void stop() {
    trainer.requestStop();
  }

  /**
   * Settings of a new run. Each left unset takes the default of {@code gems train}
   * (docs/TRAINING.md); the learning rate's default depends on the method.
   */
  public static final class Builder {
    private final Path data;
    private final Path out;
    private TrainMethod method = TrainMethod.GEMS;
    private boolean noNullSpace;
    private boolean singleSubspace;
    private Backbone backbone = Backbone.MINILM;
    private ItemIds.Scheme ids = ItemIds.Scheme.ATOMIC;
    private int steps = 1000;
    private int batchSize = 32;
    private long seed = 7;
    private Double lr; // null: the method's default
    private double decoderLr = 1e-3;
    private int rankShared = 128;
    private Integer rankTask; // null: rankShared / 2
    private int refreshInterval = 200;
    private boolean refreshWarmup = false;
    private Decomposition decomposition = Decomposition.REFERENCE;
    private GateMode gates = GateMode.REFERENCE;
    private double alpha = 1.0;
    private int loraRank = 16;
    private double loraAlpha = 32;
    private double loraDropout = 0.05;
    private double nullSpaceEnergy = 0.99; // 0.9 protected 10% of directions and let the encoder drift
    private Path knowledgeCorpus; // null: the shipped general-English corpus
    private Path cacheDir; // null: ~/.cache/gems-j
    private Integer levels;
    private Integer codebook;
    private Integer decoderLayers;
    private Integer decoderWidth;
    private Integer decoderHeads;
    private Integer decoderFfn;
    private int maxTokens = 96;
    private int historyLength = 20;
    private ModelInputs.Format input = ModelInputs.Format.ITEMS;
    private Boolean itemPrior; // null: on for atomic ids
    private Boolean transitionPrior; // null: on for atomic ids
    private int evalEvery = 50;
    private int patience = 5;
    private int checkpointEvery = 100;
    private int validLimit = 200;
    private boolean overwrite;

    private Builder(Path data, Path out) {
      this.data = Objects.requireNonNull(data, "data");
      this.out = Objects.requireNonNull(out, "out");
    }

    /** gems (default), galore, lora or full. */
    public Builder method(String cliName) { method = TrainMethod.fromCli(cliName); return this; }
    public Builder method(TrainMethod m) { method = Objects.requireNonNull(m, "method"); return this; }
    /** gems ablation: no null-space projection. */
    public Builder noNullSpace(boolean on) { noNullSpace = on; return this; }
    /** gems ablation: one shared subspace. */
    public Builder singleSubspace(boolean on) { singleSubspace = on; return this; }
    /** minilm (default) or bge-small. */
    public Builder backbone(String cliName) { backbone = Backbone.fromCli(cliName); return this; }
    /** atomic (default) or semantic item identifiers. */
    public Builder ids(String cliName) { ids = ItemIds.Scheme.fromCli(cliName); return this; }
    public Builder steps(int n) { steps = n; return this; }
    public Builder batchSize(int n) { batchSize = n; return this; }
    public Builder seed(long s) { seed = s; return this; }
    public Builder lr(double v) { lr = v; return this; }
    public Builder decoderLr(double v) { decoderLr = v; return this; }
    public Builder rankShared(int r) { rankShared = r; return this; }
    public Builder rankTask(int r) { rankTask = r; return this; }
    public Builder refreshInterval(int n) { refreshInterval = n; return this; }
    /** Extra basis refreshes at steps 1 + 2^k below the interval (GemsConfig#refreshWarmup). */
    public Builder refreshWarmup(boolean on) { refreshWarmup = on; return this; }
    /** gems: reference (default) or complementary subspaces ({@link Decomposition}). */
    public Builder decomposition(String cliName) { decomposition = Decomposition.fromCli(cliName); return this; }
    public Builder decomposition(Decomposition d) { decomposition = Objects.requireNonNull(d, "decomposition"); return this; }
    /** gems: what the task gates read, reference (default) or running ({@link GateMode}). */
    public Builder gates(String cliName) { gates = GateMode.fromCli(cliName); return this; }
    public Builder gates(GateMode g) { gates = Objects.requireNonNull(g, "gates"); return this; }
    public Builder alpha(double v) { alpha = v; return this; }
    public Builder loraRank(int r) { loraRank = r; return this; }
    public Builder loraAlpha(double v) { loraAlpha = v; return this; }
    public Builder loraDropout(double v) { loraDropout = v; return this; }
    public Builder nullSpaceEnergy(double v) { nullSpaceEnergy = v; return this; }
    public Builder knowledgeCorpus(Path p) { knowledgeCorpus = p; return this; }
    /** Where null-space estimates are cached (default ~/.cache/gems-j). */
    public Builder cacheDir(Path p) { cacheDir = p; return this; }
    public Builder levels(int n) { levels = n; return this; }
    public Builder codebook(int n) { codebook = n; return this; }
    public Builder decoderLayers(int n) { decoderLayers = n; return this; }
    public Builder decoderWidth(int n) { decoderWidth = n; return this; }
    public Builder decoderHeads(int n) { decoderHeads = n; return this; }
    public Builder decoderFfn(int n) { decoderFfn = n; return this; }
    public Builder maxTokens(int n) { maxTokens = n; return this; }
    /** Past events shown to the model. */
    public Builder historyLength(int n) { historyLength = n; return this; }
    /** none (default): the history as item tokens only; titles: item tokens, then their titles. */
    public Builder historyText(String cliName) { input = ModelInputs.Format.fromHistoryText(cliName); return this; }
    /** Start each item's identifier bias at ln(1 + training count) (default: on for atomic ids). */
    public Builder itemPrior(boolean on) { itemPrior = on; return this; }
    /** Add the item-to-item prior to the identifier softmax ({@code TransitionPrior}; default: on for atomic ids). */
    public Builder transitionPrior(boolean on) { transitionPrior = on; return this; }
    /** transitions (both priors), popularity (the bias only) or none, as {@code --item-prior} takes it. */
    public Builder itemPrior(String cliName) {
      switch (cliName) {
        case "transitions" -> { itemPrior = true; transitionPrior = true; }
        case "popularity" -> { itemPrior = true; transitionPrior = false; }
        case "none" -> { itemPrior = false; transitionPrior = false; }
        default -> throw new IllegalArgumentException("--item-prior must be transitions, popularity or none, got '"
            + cliName + "'");
      }
      return this;
    }
    public Builder evalEvery(int n) { evalEvery = n; return this; }
    public Builder patience(int n) { patience = n; return this; }
    public Builder checkpointEvery(int n) { checkpointEvery = n; return this; }
    public Builder validLimit(int n) { validLimit = n; return this; }
    /** Replace an earlier run's files in OUT (otherwise such an OUT is refused). */
    public Builder overwrite(boolean on) { overwrite = on; return this; }

    /** The effective configuration; throws IllegalArgumentException naming a bad setting. */
    public TrainConfig config() {
      // the GEMS family and GaLore at full fine-tuning's rate: on MovieLens, 2e-4 tied it on validation but
      // moved the encoder far more (held-out cosine 0.78 vs 0.98; docs/RESULTS.md, "Selecting GEMS's settings")
      double defaultLr = method == TrainMethod.LORA ? 5e-4 : 5e-5;
      ModelFactory.Options base = ModelFactory.Options.defaults(backbone);
      ModelFactory.Options model = new ModelFactory.Options(backbone, ids, or(levels, base.levels()),
          or(codebook, base.codebook()), or(decoderLayers, base.decoderLayers()), or(decoderWidth, base.decoderWidth()),
          or(decoderHeads, base.decoderHeads()), or(decoderFfn, base.decoderFfn()), maxTokens, historyLength, input,
          or(itemPrior, ids == ItemIds.Scheme.ATOMIC), or(transitionPrior, ids == ItemIds.Scheme.ATOMIC));
      Path cache = cacheDir != null ? cacheDir : Path.of(System.getProperty("user.home"), ".cache", "gems-j");
      TrainConfig c = new TrainConfig(data, out, method, noNullSpace, singleSubspace, model, steps, batchSize, seed,
          or(lr, defaultLr), decoderLr, 0.05, 0.01, 0.1, rankShared, or(rankTask, Math.max(1, rankShared / 2)),
          refreshInterval, alpha, loraRank, loraAlpha, loraDropout, nullSpaceEnergy, knowledgeCorpus, cache, evalEvery,
          patience, checkpointEvery, validLimit, refreshWarmup, decomposition, gates);
      c.check();
      return c;
    }

    public GemsTrainer build() {
      return new GemsTrainer(config(), false, overwrite);
    }

    private static <T> T or(T value, T fallback) {
      return value != null ? value : fallback;
    }
  }
}
