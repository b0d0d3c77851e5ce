package org.gemsj.train;

import java.nio.file.Path;
import org.gemsj.model.ItemIds;
import org.gemsj.model.ModelFactory;
import org.gemsj.optim.Decomposition;
import org.gemsj.optim.GateMode;

/**
 * One training run's settings, as OUT/train_config.json holds them. Built by {@link #builder}
 * ({@link TrainSettings}, where the defaults live) and checked by {@link #check()}. {@link
 * #name()} is the method as written on the command line (with ablation flags), used in metrics.json.
 *
 * @param lr peak learning rate of the encoder (cosine schedule with warmup)
 * @param decoderLr peak learning rate of the fresh decoder
 * @param nullSpaceEnergy share of the activation energy whose directions are protected
 * @param evalEvery steps between validations (early stopping on validation NDCG@10)
 * @param validLimit validation examples per task used during training (all at the end)
 * @param refreshWarmup GEMS/GaLore: extra basis refreshes early in training ({@link
 *     org.gemsj.optim.GemsConfig#refreshWarmup})
 * @param decomposition GEMS: how a refresh splits the gradients into the shared and task
 *     subspaces ({@link Decomposition}); REFERENCE when absent from a saved train_config.json
 * @param gates GEMS: what the task gates read ({@link GateMode}); REFERENCE when absent from a
 *     saved train_config.json
 */
public record TrainConfig(
    Path data,
    Path out,
    TrainMethod method,
    boolean noNullSpace,
    boolean singleSubspace,
    ModelFactory.Options model,
    int steps,
    int batchSize,
    long seed,
    double lr,
    double decoderLr,
    double warmupFraction,
    double weightDecay,
    double dropout,
    int rankShared,
    int rankTask,
    int refreshInterval,
    double alpha,
    int loraRank,
    double loraAlpha,
    double loraDropout,
    double nullSpaceEnergy,
    Path knowledgeCorpus,
    Path cacheDir,
    int evalEvery,
    int patience,
    int checkpointEvery,
    int validLimit,
    boolean refreshWarmup,
    Decomposition decomposition,
    GateMode gates) {

  public TrainConfig {
    decomposition = decomposition == null ? Decomposition.REFERENCE : decomposition; // runs saved before the option
    gates = gates == null ? GateMode.REFERENCE : gates;
  }

  /** The settings of a new run on {@code data} writing into {@code out}, each at its default. */
  public static Builder builder(Path data, Path out) {
    return new Builder(data, out);
  }

  /** {@link TrainSettings} on its own, for callers that only need the config. */
  public static final class Builder extends TrainSettings<Builder> {
    private Builder(Path data, Path out) {
      super(data, out);
    }

    @Override
    protected Builder self() {
      return this;
    }
  }

  public String name() {
    if (method != TrainMethod.GEMS) {
      return method.cliName;
    }
    return "gems" + (noNullSpace ? " --no-null-space" : "") + (singleSubspace ? " --single-subspace" : "")
        + (decomposition == Decomposition.COMPLEMENTARY ? " --decomposition complementary" : "")
        + (gates == GateMode.RUNNING ? " --gates running" : "");
  }

  /**
   * This config for a run directory found at {@code newOut} (OUT may have been moved since the
   * run started); a dataset that lived inside OUT moves with it.
   */
  public TrainConfig relocated(Path newOut) {
    Path oldOut = out.toAbsolutePath().normalize(), abs = newOut.toAbsolutePath().normalize();
    Path d = data.toAbsolutePath().normalize();
    Path newData = d.startsWith(oldOut) ? abs.resolve(oldOut.relativize(d)) : d;
    return new TrainConfig(newData, abs, method, noNullSpace, singleSubspace, model, steps, batchSize, seed, lr,
        decoderLr, warmupFraction, weightDecay, dropout, rankShared, rankTask, refreshInterval, alpha, loraRank,
        loraAlpha, loraDropout, nullSpaceEnergy, knowledgeCorpus, cacheDir, evalEvery, patience, checkpointEvery,
        validLimit, refreshWarmup, decomposition, gates);
  }

  /** Whether gradients and updates are kept out of the protected (knowledge) directions. */
  public boolean usesNullSpace() {
    return method == TrainMethod.GEMS && !noNullSpace;
  }

  public void check() {
    if (steps < 1) { // one check per option: a job server names the option first as the spec's field
      throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
    }
    if (batchSize < 2) {
      throw new IllegalArgumentException("--batch-size must be >= 2 (a step needs two examples), got " + batchSize);
    }
    if (!(lr > 0 && decoderLr > 0 && warmupFraction >= 0 && warmupFraction < 1 && dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("need --lr > 0, --decoder-lr > 0, 0 <= --warmup < 1, 0 <= --dropout < 1");
    }
    if (method != TrainMethod.GEMS && (singleSubspace || noNullSpace)) {
      throw new IllegalArgumentException("--no-null-space and --single-subspace are ablations of --method gems");
    }
    if (decomposition == Decomposition.COMPLEMENTARY && (method != TrainMethod.GEMS || singleSubspace || rankTask < 1)) {
      throw new IllegalArgumentException("--decomposition complementary splits the task subspaces off the shared one: "
          + "it needs --method gems with --rank-task >= 1 and no --single-subspace");
    }
    if (gates == GateMode.RUNNING && (method != TrainMethod.GEMS || singleSubspace || rankTask < 1)) {
      throw new IllegalArgumentException("--gates running sets the gates of the task subspaces: it needs --method gems "
          + "with --rank-task >= 1 and no --single-subspace");
    }
    if (!(nullSpaceEnergy > 0 && nullSpaceEnergy < 1)) {
      throw new IllegalArgumentException("--null-space-energy must be in (0, 1), got " + nullSpaceEnergy);
    }
    if (evalEvery < 1 || checkpointEvery < 1 || patience < 1 || validLimit < 1) {
      throw new IllegalArgumentException("--eval-every, --checkpoint-every, --patience and --valid-limit must be >= 1");
    }
    if (rankShared < 1 || rankTask < 0 || refreshInterval < 1 || !(alpha > 0)) {
      throw new IllegalArgumentException("need --rank-shared >= 1, --rank-task >= 0, --refresh >= 1, --alpha > 0");
    }
    if (loraRank < 1 || !(loraAlpha > 0) || !(loraDropout >= 0 && loraDropout < 1)) {
      throw new IllegalArgumentException("need --lora-rank >= 1, --lora-alpha > 0, 0 <= --lora-dropout < 1");
    }
    if (model.maxTokens() < 8 || model.maxTokens() > 512) {
      throw new IllegalArgumentException("--max-tokens must be in [8, 512] (the encoders' positions), got "
          + model.maxTokens());
    }
    if (model.historyLength() < 1 || model.decoderLayers() < 1 || model.decoderWidth() < 0 || model.decoderHeads() < 1
        || model.decoderFfn() < 1) {
      throw new IllegalArgumentException("need --history >= 1, --decoder-layers >= 1, --decoder-width >= 1 "
          + "(or the default), --decoder-heads >= 1, --decoder-ffn >= 1");
    }
    if ((model.itemPrior() || model.transitionPrior()) && model.ids() != ItemIds.Scheme.ATOMIC) {
      throw new IllegalArgumentException("--item-prior " + (model.transitionPrior() ? "transitions" : "popularity")
          + " needs --ids atomic (semantic ids have no per-item logit): pass --item-prior none");
    }
    if (model.ids() == ItemIds.Scheme.SEMANTIC && model.levels() < 1) {
      throw new IllegalArgumentException("--levels must be >= 1 for semantic ids, got " + model.levels());
    }
    if (model.ids() == ItemIds.Scheme.SEMANTIC && model.codebook() < 2) {
      throw new IllegalArgumentException("--codebook must be >= 2 for semantic ids, got " + model.codebook());
    }
  }
}
