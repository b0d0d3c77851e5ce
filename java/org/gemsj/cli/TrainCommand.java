package org.gemsj.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.gemsj.data.synth.SyntheticData;
import org.gemsj.dist.Launch;
import org.gemsj.dist.LocalRanks;
import org.gemsj.io.FileConfinement;
import org.gemsj.train.RunDirectory;
import org.gemsj.train.TrainConfig;
import org.gemsj.train.TrainDefaults;
import org.gemsj.train.TrainPreset;
import org.gemsj.train.TrainSettings;
import org.gemsj.train.Trainer;
import org.gemsj.train.TrainingStopped;
import org.gemsj.worker.RankTraining;
import org.gemsj.worker.SignalStop;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * `gems train`: fine-tune on a dataset directory, or on the embedded synthetic default with
 * {@code --preset demo}. Options left out take the preset's (or the general) defaults.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Fine-tune the model on search + recommendation and evaluate it (writes OUT/metrics.json, "
        + "OUT/model/, OUT/report.md, OUT/train_log.jsonl).")
final class TrainCommand implements Callable<Integer> {

  @Option(names = "--data", description = "dataset directory (docs/DATA.md)") Path data;
  @Option(names = "--preset", description = "demo: generate the embedded synthetic dataset into OUT/data and train "
      + "on it, a few minutes on 2 cores; small, medium or full: the study's budget of that name (TrainPreset, "
      + "docs/TRAINING.md; options given override it)")
  String preset;
  @Option(names = "--out", description = "output directory") Path out;
  @Option(names = "--resume", description = "continue the run in this output directory from its last checkpoint "
      + "(with its own settings: no other option may be given)")
  Path resume;
  @Option(names = "--overwrite", description = "replace an earlier run's files in --out (its data/ stays)")
  boolean overwrite;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  private boolean generateDemoData; // set by config(), acted on once the options are known to be valid
  @Option(names = "--method", description = "gems, galore, lora or full (default " + TrainDefaults.METHOD + ")") String method;
  @Option(names = "--no-null-space", description = "gems ablation: no null-space projection") boolean noNullSpace;
  @Option(names = "--single-subspace", description = "gems ablation: one shared subspace, no task subspaces")
  boolean singleSubspace;
  @Option(names = "--backbone", paramLabel = "NAME|DIR", description = "minilm or bge-small (default "
      + TrainDefaults.BACKBONE + "), or a Hugging Face encoder directory: config.json, model.safetensors, tokenizer.json "
      + "(docs/TRAINING.md)") String backbone;
  @Option(names = "--ids", description = "atomic or semantic item identifiers (default " + TrainDefaults.IDS + ")") String ids;
  @Option(names = "--steps", description = "optimizer steps (default " + TrainDefaults.STEPS + ")") Integer steps;
  @Option(names = "--batch-size", description = "examples per step, both tasks mixed (default " + TrainDefaults.BATCH_SIZE + ")") Integer batch;
  @Option(names = "--seed", description = "seed of everything random (default " + TrainDefaults.SEED + ")") Long seed;
  @Option(names = "--lr", description = "encoder peak learning rate (default: gems/galore/full " + TrainDefaults.LR
      + ", lora " + TrainDefaults.LORA_LR + ")")
  Double lr;
  @Option(names = "--decoder-lr", description = "decoder peak learning rate (default " + TrainDefaults.DECODER_LR + ")") Double decoderLr;
  @Option(names = "--rank-shared", description = "r_sh (default " + TrainDefaults.RANK_SHARED + ")") Integer rankShared;
  @Option(names = "--rank-task", description = "r_task (default r_sh / 2)") Integer rankTask;
  @Option(names = "--refresh", description = "steps between basis refreshes (default " + TrainDefaults.REFRESH + ")") Integer refresh;
  @Option(names = "--refresh-warmup", description = "gems/galore: also refresh the bases at steps 2, 3, 5, 9, 17, ... "
      + "below --refresh, while the fresh decoder's gradients settle")
  boolean refreshWarmup;
  @Option(names = "--decomposition", description = "gems: reference (default): shared basis from the mixed "
      + "gradient, task bases from each task's own; complementary: shared basis from where the tasks' gradients "
      + "agree, task bases from what it leaves out (docs/METHOD.md)") String decomposition;
  @Option(names = "--gates", description = "gems: what the task gates read: reference (default): this batch's losses, "
      + "gradient norms and counts; running: running means of them, the norms' noise removed, a gate pair per "
      + "weight (docs/METHOD.md)") String gates;
  @Option(names = "--alpha", description = "GEMS/GaLore update scale (default " + TrainDefaults.ALPHA + ")") Double alpha;
  @Option(names = "--lora-rank", description = "LoRA rank (default " + TrainDefaults.LORA_RANK + ")") Integer loraRank;
  @Option(names = "--lora-alpha", description = "LoRA alpha (default " + TrainDefaults.LORA_ALPHA + ")") Double loraAlpha;
  @Option(names = "--dropout", description = "dropout in the encoder and decoder while training (default "
      + TrainDefaults.DROPOUT + ")") Double dropout;
  @Option(names = "--lora-dropout", description = "LoRA dropout (default " + TrainDefaults.LORA_DROPOUT + ")") Double loraDropout;
  @Option(names = "--null-space-energy", description = "share of activation energy protected (default "
      + TrainDefaults.NULL_SPACE_ENERGY + ")")
  Double nullSpaceEnergy;
  @Option(names = "--knowledge-corpus", description = "general-domain text, one sentence per line (default: the shipped corpus)")
  Path knowledgeCorpus;
  @Option(names = "--history", description = "past events shown to the model (default " + TrainDefaults.HISTORY + ")") Integer history;
  @Option(names = "--history-text", description = "none (default): the history as item tokens; titles: item "
      + "tokens, then the items' titles as text; titles-only: the titles alone, no item tokens") String historyText;
  @Option(names = "--item-prior", description = "transitions (default with atomic ids; the demo preset: popularity): each item's identifier bias "
      + "starts at ln(1 + its training count), and the softmax adds ln(1 + times the item followed the newest history "
      + "item) times a learned per-task scale; popularity: the bias only; none: neither") String itemPrior;
  @Option(names = "--max-tokens", description = "encoder input length (default " + TrainDefaults.MAX_TOKENS + ")") Integer maxTokens;
  @Option(names = "--decoder-layers", description = "decoder layers (default " + TrainDefaults.DECODER_LAYERS + ")") Integer decoderLayers;
  @Option(names = "--decoder-width", description = "decoder width (default: the encoder's)") Integer decoderWidth;
  @Option(names = "--decoder-heads", description = "decoder attention heads (default " + TrainDefaults.DECODER_HEADS + ")") Integer decoderHeads;
  @Option(names = "--decoder-ffn", description = "decoder feed-forward width (default " + TrainDefaults.DECODER_FFN + ")") Integer decoderFfn;
  @Option(names = "--levels", description = "semantic ids: k-means levels (default " + TrainDefaults.LEVELS + ")") Integer levels;
  @Option(names = "--codebook", description = "semantic ids: codes per level (default " + TrainDefaults.CODEBOOK + ")") Integer codebook;
  @Option(names = "--eval-every", description = "steps between validations (default " + TrainDefaults.EVAL_EVERY + ")") Integer evalEvery;
  @Option(names = "--patience", description = "validations without improvement before stopping (default "
      + TrainDefaults.PATIENCE + ")")
  Integer patience;
  @Option(names = "--checkpoint-every", description = "steps between checkpoints (default " + TrainDefaults.CHECKPOINT_EVERY + ")") Integer checkpointEvery;
  @Option(names = "--valid-limit", description = "validation examples per task during training (default "
      + TrainDefaults.VALID_LIMIT + ")")
  Integer validLimit;
  @Option(names = "--conflict-every", description = "also write OUT/conflict.jsonl, the cosine between the tasks' "
      + "gradients and applied updates per targeted weight, at step 1 and every N steps; may be given with "
      + "--resume, a measurement and not a setting (default 0: off)")
  int conflictEvery;
  @Option(names = "--cache-dir", description = "null-space cache (default ~/.cache/gems-j)") Path cacheDir;
  @Option(names = "--data-root", description = "read the dataset's files only where they really lie inside this "
      + "directory (repeatable; checked as each file is opened, symlinks followed; the job server passes its data "
      + "roots); may be given with --resume") List<Path> dataRoots;

  @Option(names = "--dist-timeout-s", description = "data-parallel runs (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT "
      + "set, as torchrun sets them): how long a rank waits in one collective for the others, e.g. while rank 0 scores "
      + "the baselines, before it fails naming itself (default " + RankTraining.DEFAULT_TIMEOUT_S + "); may be given with "
      + "--resume")
  Integer distTimeoutS;
  @Option(names = "--nproc", description = "start N ranks of a data-parallel run on this machine (child JVMs on "
      + "loopback; docs/TRAINING.md); under torchrun, which starts the ranks itself, leave it out (default 1)")
  Integer nproc;

  /**
   * Runs training. SIGTERM or SIGINT (Ctrl-C) stops it gracefully ({@link SignalStop}): OUT/checkpoint
   * holds the last completed step and {@code gems train --resume OUT} continues the run.
   */
  @Override
  public Integer call() throws Exception {
    if (nproc != null && nproc != 1) {
      if (nproc < 1) {
        throw new IllegalArgumentException("--nproc must be >= 1, got " + nproc);
      }
      if (Launch.fromEnvironment(System.getenv()).distributed()) {
        throw new IllegalArgumentException("--nproc starts its own ranks, but WORLD_SIZE is set (torchrun starts "
            + "them): drop --nproc");
      }
      return LocalRanks.run(nproc, GemsCli.class.getName(), withoutNproc(spec.commandLine().getParseResult()
          .originalArgs()), null);
    }
    Trainer trainer;
    boolean resuming = resume != null;
    if (resuming) {
      var others = spec.commandLine().getParseResult().matchedOptions().stream()
          .map(o -> o.longestName()).filter(n -> !List.of("--resume", "--conflict-every", "--data-root", "--dist-timeout-s", "--nproc").contains(n))
          .toList();
      if (!others.isEmpty()) {
        throw new IllegalArgumentException("--resume continues a run with the settings it started with; "
            + "drop " + String.join(", ", others));
      }
      trainer = new Trainer(new RunDirectory(resume).readConfig().relocated(resume), System.out);
    } else {
      trainer = new Trainer(config(), System.out); // checks every option before anything is written
      if (generateDemoData) {
        System.out.println("gems: generating the demo dataset (gems data synth --seed 7) into " + data);
        SyntheticData.generate(data, 7, SyntheticData.Options.DEFAULTS);
      }
    }
    trainer.probeConflict(conflictEvery)
        .confineTo(dataRoots == null ? FileConfinement.NONE : FileConfinement.within(dataRoots));
    Launch launch = Launch.fromEnvironment(System.getenv());
    if (distTimeoutS != null && distTimeoutS < 1) {
      throw new IllegalArgumentException("--dist-timeout-s must be >= 1, got " + distTimeoutS);
    }
    try {
      RankTraining.run(trainer, launch, Duration.ofSeconds(distTimeoutS == null ? RankTraining.DEFAULT_TIMEOUT_S
          : distTimeoutS), resuming, overwrite);
    } catch (TrainingStopped stopped) {
      return 0; // the trainer logged how to resume; the JVM exits with the signal's status
    }
    return 0;
  }

  /** The command line without {@code --nproc N} (or {@code --nproc=N}): what each rank runs. */
  static List<String> withoutNproc(List<String> args) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).equals("--nproc")) {
        i++;
      } else if (!args.get(i).startsWith("--nproc=")) {
        out.add(args.get(i));
      }
    }
    return out;
  }

  /**
   * The settings that `gems train ARGS` gives, to apply over a run's own (the study's --set):
   * only the options in ARGS, nothing else.
   */
  static Consumer<TrainSettings<?>> settingsOf(List<String> args) {
    TrainCommand command = new TrainCommand();
    new CommandLine(command).parseArgs(args.toArray(new String[0]));
    return command::applyGiven;
  }

  TrainConfig config() {
    TrainPreset p = preset == null ? null : TrainPreset.fromCli(preset);
    if (out == null) {
      throw new IllegalArgumentException("--out is required");
    }
    if (p == TrainPreset.DEMO && data == null) {
      data = out.resolve("data");
      generateDemoData = !Files.isRegularFile(data.resolve("events.jsonl"));
    }
    if (data == null) {
      throw new IllegalArgumentException("--data DIR or --preset demo is required");
    }
    TrainConfig.Builder b = TrainConfig.builder(data, out); // holds the defaults
    if (p != null) {
      p.applyTo(b);
    }
    applyGiven(b);
    return b.config();
  }

  /** Sets on {@code b} the settings given on the command line, and only those. */
  private void applyGiven(TrainSettings<?> b) {
    set(method, b::method);
    if (noNullSpace) {
      b.noNullSpace(true);
    }
    if (singleSubspace) {
      b.singleSubspace(true);
    }
    set(backbone, b::backbone);
    set(ids, b::ids);
    set(steps, b::steps);
    set(batch, b::batchSize);
    set(seed, b::seed);
    set(lr, b::lr);
    set(decoderLr, b::decoderLr);
    set(rankShared, b::rankShared);
    set(rankTask, b::rankTask);
    set(refresh, b::refreshInterval);
    if (refreshWarmup) {
      b.refreshWarmup(true);
    }
    set(decomposition, b::decomposition);
    set(gates, b::gates);
    set(alpha, b::alpha);
    set(loraRank, b::loraRank);
    set(loraAlpha, b::loraAlpha);
    set(loraDropout, b::loraDropout);
    set(dropout, b::dropout);
    set(nullSpaceEnergy, b::nullSpaceEnergy);
    set(knowledgeCorpus, b::knowledgeCorpus);
    set(history, b::historyLength);
    set(maxTokens, b::maxTokens);
    set(historyText, b::historyText);
    set(itemPrior, b::itemPrior);
    set(decoderLayers, b::decoderLayers);
    set(decoderWidth, b::decoderWidth);
    set(decoderHeads, b::decoderHeads);
    set(decoderFfn, b::decoderFfn);
    set(levels, b::levels);
    set(codebook, b::codebook);
    set(evalEvery, b::evalEvery);
    set(patience, b::patience);
    set(checkpointEvery, b::checkpointEvery);
    set(validLimit, b::validLimit);
    set(cacheDir, b::cacheDir);
  }

  private static <T> void set(T value, Consumer<T> setter) {
    if (value != null) {
      setter.accept(value);
    }
  }
}
