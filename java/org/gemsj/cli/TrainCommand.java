package org.gemsj.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.gemsj.backbone.Backbone;
import org.gemsj.data.synth.SyntheticData;
import org.gemsj.model.ItemIds;
import org.gemsj.model.ModelFactory;
import org.gemsj.train.TrainConfig;
import org.gemsj.train.TrainMethod;
import org.gemsj.train.Trainer;
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
  @Option(names = "--preset", description = "demo: generate the embedded synthetic dataset into OUT/data and train on it")
  String preset;
  @Option(names = "--out", description = "output directory") Path out;
  @Option(names = "--resume", description = "continue the run in this output directory from its last checkpoint "
      + "(with its own settings: no other option may be given)")
  Path resume;
  @Option(names = "--overwrite", description = "replace an earlier run's files in --out (its data/ stays)")
  boolean overwrite;
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;
  private boolean generateDemoData; // set by config(), acted on once the options are known to be valid
  @Option(names = "--method", description = "gems (default), galore, lora or full") String method;
  @Option(names = "--no-null-space", description = "gems ablation: no null-space projection") boolean noNullSpace;
  @Option(names = "--single-subspace", description = "gems ablation: one shared subspace, no task subspaces")
  boolean singleSubspace;
  @Option(names = "--backbone", description = "minilm (default) or bge-small") String backbone;
  @Option(names = "--ids", description = "atomic (default) or semantic item identifiers") String ids;
  @Option(names = "--steps", description = "optimizer steps (default 1000; demo 200)") Integer steps;
  @Option(names = "--batch-size", description = "examples per step, both tasks mixed (default 32; demo 16)") Integer batch;
  @Option(names = "--seed", description = "seed of everything random (default 7)") Long seed;
  @Option(names = "--lr", description = "encoder peak learning rate (default: gems/galore 2e-4, lora 5e-4, full 5e-5)")
  Double lr;
  @Option(names = "--decoder-lr", description = "decoder peak learning rate (default 1e-3)") Double decoderLr;
  @Option(names = "--rank-shared", description = "r_sh (default 128)") Integer rankShared;
  @Option(names = "--rank-task", description = "r_task (default r_sh / 2)") Integer rankTask;
  @Option(names = "--refresh", description = "steps between basis refreshes (default 200; demo 50)") Integer refresh;
  @Option(names = "--alpha", description = "GEMS/GaLore update scale (default 1)") Double alpha;
  @Option(names = "--lora-rank", description = "LoRA rank (default 16)") Integer loraRank;
  @Option(names = "--lora-alpha", description = "LoRA alpha (default 32)") Double loraAlpha;
  @Option(names = "--lora-dropout", description = "LoRA dropout (default 0.05)") Double loraDropout;
  @Option(names = "--null-space-energy", description = "share of activation energy protected (default 0.9)")
  Double nullSpaceEnergy;
  @Option(names = "--knowledge-corpus", description = "general-domain text, one sentence per line (default: the shipped corpus)")
  Path knowledgeCorpus;
  @Option(names = "--history", description = "past events shown to the model (default 20; demo 5)") Integer history;
  @Option(names = "--max-tokens", description = "encoder input length (default 96; demo 48)") Integer maxTokens;
  @Option(names = "--decoder-layers", description = "decoder layers (default 1)") Integer decoderLayers;
  @Option(names = "--decoder-width", description = "decoder width (default: the encoder's)") Integer decoderWidth;
  @Option(names = "--decoder-heads", description = "decoder attention heads (default 6)") Integer decoderHeads;
  @Option(names = "--decoder-ffn", description = "decoder feed-forward width (default 1024)") Integer decoderFfn;
  @Option(names = "--levels", description = "semantic ids: k-means levels (default 3)") Integer levels;
  @Option(names = "--codebook", description = "semantic ids: codes per level (default 16)") Integer codebook;
  @Option(names = "--eval-every", description = "steps between validations (default 50)") Integer evalEvery;
  @Option(names = "--patience", description = "validations without improvement before stopping (default 5)")
  Integer patience;
  @Option(names = "--checkpoint-every", description = "steps between checkpoints (default 100)") Integer checkpointEvery;
  @Option(names = "--valid-limit", description = "validation examples per task during training (default 200; demo 100)")
  Integer validLimit;
  @Option(names = "--conflict-every", description = "also write OUT/conflict.jsonl, the cosine between the tasks' "
      + "gradients per targeted weight, at step 1 and every N steps (default 0: off)")
  int conflictEvery;
  @Option(names = "--cache-dir", description = "null-space cache (default ~/.cache/gems-j)") Path cacheDir;

  @Override
  public Integer call() throws Exception {
    Trainer trainer;
    boolean resuming = resume != null;
    if (resuming) {
      var others = spec.commandLine().getParseResult().matchedOptions().stream()
          .map(o -> o.longestName()).filter(n -> !n.equals("--resume")).toList();
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
    trainer.probeConflict(conflictEvery).run(resuming, overwrite);
    return 0;
  }

  TrainConfig config() throws Exception {
    boolean demo = "demo".equals(preset);
    if (preset != null && !demo) {
      throw new IllegalArgumentException("unknown --preset '" + preset + "' (the one preset is demo)");
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
    TrainMethod m = TrainMethod.fromCli(or(method, "gems"));
    double defaultLr = switch (m) {
      case GEMS, GALORE -> 2e-4;
      case LORA -> 5e-4;
      case FULL -> 5e-5;
    };
    int r = or(rankShared, 128);
    ModelFactory.Options base = ModelFactory.Options.defaults(Backbone.fromCli(or(backbone, "minilm")));
    ModelFactory.Options model = new ModelFactory.Options(base.backbone(),
        ItemIds.Scheme.fromCli(or(ids, "atomic")), or(levels, base.levels()),
        or(codebook, base.codebook()), or(decoderLayers, base.decoderLayers()), or(decoderWidth, base.decoderWidth()),
        or(decoderHeads, base.decoderHeads()), or(decoderFfn, base.decoderFfn()), or(maxTokens, demo ? 48 : 96), or(history, demo ? 5 : 20));
    return new TrainConfig(data, out, m, noNullSpace, singleSubspace, model, or(steps, demo ? 200 : 1000),
        or(batch, demo ? 16 : 32), or(seed, 7L), or(lr, defaultLr), or(decoderLr, 1e-3), 0.05, 0.01, 0.1, r,
        or(rankTask, Math.max(1, r / 2)), or(refresh, demo ? 50 : 200), or(alpha, 1.0), or(loraRank, 16),
        or(loraAlpha, 32.0), or(loraDropout, 0.05), or(nullSpaceEnergy, 0.9), knowledgeCorpus,
        or(cacheDir, Path.of(System.getProperty("user.home"), ".cache", "gems-j")), or(evalEvery, 50),
        or(patience, 5), or(checkpointEvery, 100), or(validLimit, demo ? 100 : 200));
  }

  private static <T> T or(T value, T fallback) {
    return value != null ? value : fallback;
  }
}
