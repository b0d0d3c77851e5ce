package org.gemsj.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.gemsj.api.GemsTrainer;
import org.gemsj.data.synth.SyntheticData;
import org.gemsj.io.FileConfinement;
import org.gemsj.study.StudyBudget;
import org.gemsj.train.TrainConfig;
import org.gemsj.train.Trainer;
import org.gemsj.train.TrainingStopped;
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
      + "on it; small, medium or full: the study's budget of that name (options given override it)")
  String preset;
  @Option(names = "--out", description = "output directory") Path out;
  @Option(names = "--resume", description = "continue the run in this output directory from its last checkpoint "
      + "(with its own settings: no other option may be given)")
  Path resume;
  @Option(names = "--overwrite", description = "replace an earlier run's files in --out (its data/ stays)")
  boolean overwrite;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  private boolean generateDemoData; // set by config(), acted on once the options are known to be valid
  @Option(names = "--method", description = "gems (default), galore, lora or full") String method;
  @Option(names = "--no-null-space", description = "gems ablation: no null-space projection") boolean noNullSpace;
  @Option(names = "--single-subspace", description = "gems ablation: one shared subspace, no task subspaces")
  boolean singleSubspace;
  @Option(names = "--backbone", description = "minilm (default) or bge-small") String backbone;
  @Option(names = "--ids", description = "atomic (default) or semantic item identifiers") String ids;
  @Option(names = "--steps", description = "optimizer steps (default 1000; demo 500)") Integer steps;
  @Option(names = "--batch-size", description = "examples per step, both tasks mixed (default 32; demo 16)") Integer batch;
  @Option(names = "--seed", description = "seed of everything random (default 7)") Long seed;
  @Option(names = "--lr", description = "encoder peak learning rate (default: gems/galore/full 5e-5, lora 5e-4)")
  Double lr;
  @Option(names = "--decoder-lr", description = "decoder peak learning rate (default 1e-3)") Double decoderLr;
  @Option(names = "--rank-shared", description = "r_sh (default 128)") Integer rankShared;
  @Option(names = "--rank-task", description = "r_task (default r_sh / 2)") Integer rankTask;
  @Option(names = "--refresh", description = "steps between basis refreshes (default 200; demo 50)") Integer refresh;
  @Option(names = "--refresh-warmup", description = "gems/galore: also refresh the bases at steps 2, 3, 5, 9, 17, ... "
      + "below --refresh, while the fresh decoder's gradients settle")
  boolean refreshWarmup;
  @Option(names = "--decomposition", description = "gems: reference (default): shared basis from the mixed "
      + "gradient, task bases from each task's own; complementary: shared basis from where the tasks' gradients "
      + "agree, task bases from what it leaves out (docs/METHOD.md)") String decomposition;
  @Option(names = "--gates", description = "gems: what the task gates read: reference (default): this batch's losses, "
      + "gradient norms and counts; running: running means of them, the norms' noise removed, a gate pair per "
      + "weight (docs/METHOD.md)") String gates;
  @Option(names = "--alpha", description = "GEMS/GaLore update scale (default 1)") Double alpha;
  @Option(names = "--lora-rank", description = "LoRA rank (default 16)") Integer loraRank;
  @Option(names = "--lora-alpha", description = "LoRA alpha (default 32)") Double loraAlpha;
  @Option(names = "--lora-dropout", description = "LoRA dropout (default 0.05)") Double loraDropout;
  @Option(names = "--null-space-energy", description = "share of activation energy protected (default 0.99)")
  Double nullSpaceEnergy;
  @Option(names = "--knowledge-corpus", description = "general-domain text, one sentence per line (default: the shipped corpus)")
  Path knowledgeCorpus;
  @Option(names = "--history", description = "past events shown to the model (default 20; demo 10)") Integer history;
  @Option(names = "--history-text", description = "none (default): the history as item tokens; titles: item "
      + "tokens, then the items' titles as text; titles-only: the titles alone, no item tokens") String historyText;
  @Option(names = "--item-prior", description = "transitions (default with atomic ids; demo popularity): each item's identifier bias "
      + "starts at ln(1 + its training count), and the softmax adds ln(1 + times the item followed the newest history "
      + "item) times a learned per-task scale; popularity: the bias only; none: neither") String itemPrior;
  @Option(names = "--max-tokens", description = "encoder input length (default 96; demo 48)") Integer maxTokens;
  @Option(names = "--decoder-layers", description = "decoder layers (default 1)") Integer decoderLayers;
  @Option(names = "--decoder-width", description = "decoder width (default: the encoder's)") Integer decoderWidth;
  @Option(names = "--decoder-heads", description = "decoder attention heads (default 6)") Integer decoderHeads;
  @Option(names = "--decoder-ffn", description = "decoder feed-forward width (default 1024)") Integer decoderFfn;
  @Option(names = "--levels", description = "semantic ids: k-means levels (default 3)") Integer levels;
  @Option(names = "--codebook", description = "semantic ids: codes per level (default 16)") Integer codebook;
  @Option(names = "--eval-every", description = "steps between validations (default 50; demo 100)") Integer evalEvery;
  @Option(names = "--patience", description = "validations without improvement before stopping (default 5)")
  Integer patience;
  @Option(names = "--checkpoint-every", description = "steps between checkpoints (default 100)") Integer checkpointEvery;
  @Option(names = "--valid-limit", description = "validation examples per task during training (default 200; demo 100)")
  Integer validLimit;
  @Option(names = "--conflict-every", description = "also write OUT/conflict.jsonl, the cosine between the tasks' "
      + "gradients and applied updates per targeted weight, at step 1 and every N steps; may be given with "
      + "--resume, a measurement and not a setting (default 0: off)")
  int conflictEvery;
  @Option(names = "--cache-dir", description = "null-space cache (default ~/.cache/gems-j)") Path cacheDir;
  @Option(names = "--data-root", description = "read the dataset's files only where they really lie inside this "
      + "directory (repeatable; checked as each file is opened, symlinks followed; the job server passes its data "
      + "roots); may be given with --resume") List<Path> dataRoots;

  /** How long a signal waits for the current step's checkpoint before the JVM exits anyway. */
  static final long STOP_GRACE_SECONDS = 60;

  /**
   * Runs training. SIGTERM or SIGINT (Ctrl-C) stops it gracefully: a shutdown hook asks the
   * trainer to stop and waits up to {@link #STOP_GRACE_SECONDS} for the current step to end and
   * its checkpoint to be written, so OUT/checkpoint holds the last completed step and
   * {@code gems train --resume OUT} continues the run. The process then exits as the JVM does
   * after a signal: 143 (TERM) or 130 (INT).
   */
  @Override
  public Integer call() throws Exception {
    Trainer trainer;
    boolean resuming = resume != null;
    if (resuming) {
      var others = spec.commandLine().getParseResult().matchedOptions().stream()
          .map(o -> o.longestName()).filter(n -> !n.equals("--resume") && !n.equals("--conflict-every") && !n.equals("--data-root")).toList();
      if (!others.isEmpty()) {
        throw new IllegalArgumentException("--resume continues a run with the settings it started with; "
            + "drop " + String.join(", ", others));
      }
      trainer = new Trainer(Trainer.savedConfig(resume).relocated(resume), System.out);
    } else {
      trainer = new Trainer(config(), System.out); // checks every option before anything is written
      if (generateDemoData) {
        System.out.println("gems: generating the demo dataset (gems data synth --seed 7) into " + data);
        SyntheticData.generate(data, 7, SyntheticData.Options.DEFAULTS);
      }
    }
    CountDownLatch ended = new CountDownLatch(1);
    Thread onSignal = new Thread(() -> {
      trainer.requestStop();
      try {
        if (!ended.await(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
          System.err.println("gems: the run did not end within " + STOP_GRACE_SECONDS + " s of the signal; exiting "
              + "(--resume continues from the last checkpoint written)");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "gems-train-stop");
    Runtime.getRuntime().addShutdownHook(onSignal);
    try {
      trainer.probeConflict(conflictEvery)
          .confineTo(dataRoots == null ? FileConfinement.NONE : FileConfinement.within(dataRoots))
          .run(resuming, overwrite);
    } catch (TrainingStopped stopped) {
      return 0; // the trainer logged how to resume; the JVM exits with the signal's status
    } finally {
      ended.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(onSignal);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: it returns now that the run has ended
      }
    }
    return 0;
  }

  /**
   * The configuration `gems train ARGS` would run with, checked as the command checks it, without
   * touching any file: the job server validates a spec with this, so that it refuses at submit
   * what its worker would refuse.
   */
  static TrainConfig configOf(List<String> args) throws Exception {
    TrainCommand command = new TrainCommand();
    new CommandLine(command).parseArgs(args.toArray(new String[0]));
    return command.config();
  }

  TrainConfig config() throws Exception {
    boolean demo = "demo".equals(preset);
    if (preset != null && !demo) {
      applyBudget(StudyBudget.parsePreset(preset));
    }
    if (out == null) {
      throw new IllegalArgumentException("--out is required");
    }
    if (demo && data == null) {
      data = out.resolve("data");
      generateDemoData = !Files.isRegularFile(data.resolve("events.jsonl"));
    }
    if (data == null) {
      throw new IllegalArgumentException("--data DIR or --preset demo is required");
    }
    GemsTrainer.Builder b = GemsTrainer.builder(data, out); // holds the defaults
    if (demo) { // a run of a few minutes on 2 cores
      b.steps(500).batchSize(16).refreshInterval(50).historyLength(10).maxTokens(48).evalEvery(100).validLimit(100)
          // on the shop the history decides the search pick; the transition prior lets rec skip learning to read
          // it, and search lost half its validation NDCG@10 (docs/RESULTS.md)
          .itemPrior("popularity");
    }
    set(method, b::method);
    b.noNullSpace(noNullSpace).singleSubspace(singleSubspace);
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
    b.refreshWarmup(refreshWarmup);
    set(decomposition, b::decomposition);
    set(gates, b::gates);
    set(alpha, b::alpha);
    set(loraRank, b::loraRank);
    set(loraAlpha, b::loraAlpha);
    set(loraDropout, b::loraDropout);
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
    return b.config();
  }

  /**
   * Sets every option of {@code budget} that the command line did not give, as if it had been
   * typed (the study's budgets and these presets are one list: {@link StudyBudget}).
   */
  private void applyBudget(StudyBudget budget) {
    CommandLine presetLine = new CommandLine(new TrainCommand());
    presetLine.parseArgs(budget.trainArgs(Map.of()).toArray(String[]::new));
    Set<String> given = new HashSet<>();
    spec.commandLine().getParseResult().matchedOptions().forEach(o -> given.add(o.longestName()));
    for (CommandLine.Model.OptionSpec o : presetLine.getParseResult().matchedOptions()) {
      if (!given.contains(o.longestName())) {
        spec.findOption(o.longestName()).setValue(o.getValue());
      }
    }
  }

  private static <T> void set(T value, Consumer<T> setter) {
    if (value != null) {
      setter.accept(value);
    }
  }
}
