package org.gemsj.train;

import java.nio.file.Path;
import org.gemsj.model.ModelFactory;

/**
 * One training run's settings. {@link #name()} is the method as written on the command line
 * (with ablation flags), used in metrics.json.
 *
 * @param lr peak learning rate of the encoder (cosine schedule with warmup)
 * @param decoderLr peak learning rate of the fresh decoder
 * @param nullSpaceEnergy share of the activation energy whose directions are protected
 * @param evalEvery steps between validations (early stopping on validation NDCG@10)
 * @param validLimit validation examples per task used during training (all at the end)
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
    int validLimit) {

  public String name() {
    if (method != TrainMethod.GEMS) {
      return method.cliName;
    }
    return "gems" + (noNullSpace ? " --no-null-space" : "") + (singleSubspace ? " --single-subspace" : "");
  }

  /** Whether gradients and updates are kept out of the protected (knowledge) directions. */
  public boolean usesNullSpace() {
    return method == TrainMethod.GEMS && !noNullSpace;
  }

  public void check() {
    if (steps < 1 || batchSize < 2) {
      throw new IllegalArgumentException("--steps must be >= 1 and --batch-size >= 2, got " + steps + ", " + batchSize);
    }
    if (!(lr > 0 && decoderLr > 0 && warmupFraction >= 0 && warmupFraction < 1 && dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("need --lr > 0, --decoder-lr > 0, 0 <= --warmup < 1, 0 <= --dropout < 1");
    }
    if (method != TrainMethod.GEMS && (singleSubspace || noNullSpace)) {
      throw new IllegalArgumentException("--no-null-space and --single-subspace are ablations of --method gems");
    }
    if (!(nullSpaceEnergy > 0 && nullSpaceEnergy < 1)) {
      throw new IllegalArgumentException("--null-space-energy must be in (0, 1), got " + nullSpaceEnergy);
    }
    if (evalEvery < 1 || checkpointEvery < 1 || patience < 1) {
      throw new IllegalArgumentException("--eval-every, --checkpoint-every and --patience must be >= 1");
    }
  }
}
