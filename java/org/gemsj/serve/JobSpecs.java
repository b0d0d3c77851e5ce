package org.gemsj.serve;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gemsj.cli.GemsCli;
import org.gemsj.serve.proto.JobSpec;
import picocli.CommandLine;

/**
 * Checks a {@link JobSpec} and turns it into `gems train` options. Every error names the spec
 * field. The output and cache directories are never taken from the spec: the server chooses them.
 */
public final class JobSpecs {
  private static final Set<String> METHODS = Set.of("gems", "galore", "lora", "full");
  private static final Set<String> BACKBONES = Set.of("minilm", "bge-small");
  private static final Set<String> IDS = Set.of("atomic", "semantic");
  private static final Set<String> DECOMPOSITIONS = Set.of("reference", "complementary");
  private static final Set<String> GATES = Set.of("reference", "running");

  private JobSpecs() {}

  /** Validates {@code spec}; returns it with dataset_path replaced by its real path. */
  public static JobSpec validate(JobSpec spec, DataRoots roots) {
    Path data = roots.resolveDirectory("spec.dataset_path", spec.getDatasetPath());
    oneOf("spec.method", spec.getMethod(), METHODS);
    oneOf("spec.backbone", spec.getBackbone(), BACKBONES);
    oneOf("spec.ids", spec.getIds(), IDS);
    oneOf("spec.decomposition", spec.getDecomposition(), DECOMPOSITIONS);
    oneOf("spec.gates", spec.getGates(), GATES);
    range("spec.steps", spec.getSteps(), 1_000_000);
    range("spec.batch_size", spec.getBatchSize(), 4096);
    rate("spec.lr", spec.getLr());
    rate("spec.decoder_lr", spec.getDecoderLr());
    range("spec.rank_shared", spec.getRankShared(), 4096);
    range("spec.rank_task", spec.getRankTask(), 4096);
    range("spec.refresh", spec.getRefresh(), 1_000_000);
    range("spec.lora_rank", spec.getLoraRank(), 4096);
    range("spec.history", spec.getHistory(), 1000);
    range("spec.max_tokens", spec.getMaxTokens(), 512);
    range("spec.decoder_layers", spec.getDecoderLayers(), 48);
    range("spec.decoder_width", spec.getDecoderWidth(), 8192);
    range("spec.decoder_heads", spec.getDecoderHeads(), 128);
    range("spec.decoder_ffn", spec.getDecoderFfn(), 65536);
    range("spec.eval_every", spec.getEvalEvery(), 1_000_000);
    range("spec.patience", spec.getPatience(), 1_000_000);
    range("spec.checkpoint_every", spec.getCheckpointEvery(), 1_000_000);
    range("spec.valid_limit", spec.getValidLimit(), 1_000_000);
    range("spec.levels", spec.getLevels(), 16);
    range("spec.codebook", spec.getCodebook(), 65536);
    if (spec.getDecoderWidth() > 0 && spec.getDecoderHeads() > 0 && spec.getDecoderWidth() % spec.getDecoderHeads() != 0) {
      throw new SpecException("spec.decoder_width", "must be a multiple of decoder_heads (" + spec.getDecoderHeads() + ")");
    }
    if (spec.getDecoderWidth() > 0 && spec.getDecoderHeads() == 0 && spec.getDecoderWidth() % 6 != 0) {
      throw new SpecException("spec.decoder_width", "must be a multiple of the default 6 decoder heads");
    }
    JobSpec checked = spec.toBuilder().setDatasetPath(data.toString()).build();
    checkAsTheTrainerWould(checked);
    return checked;
  }

  /**
   * The worker's own checks, run at submit on the arguments it would get (one validation for the
   * CLI and the server): a spec that passes the ranges above but that `gems train` refuses
   * (batch_size 1, max_tokens 4, lora with no_null_space, ...) is INVALID_ARGUMENT now, not a
   * FAILED job later. The field is the first option the message names.
   */
  private static void checkAsTheTrainerWould(JobSpec spec) {
    List<String> args = trainArgs(spec, Path.of("/validation-only"), Path.of("/validation-only/cache"));
    try {
      GemsCli.trainConfig(args.subList(1, args.size())); // without the "train" command name
    } catch (IllegalArgumentException | CommandLine.ParameterException e) {
      Matcher flag = Pattern.compile("--([a-z][a-z-]*)").matcher(e.getMessage());
      String field = flag.find() ? "spec." + flag.group(1).replace('-', '_') : "spec";
      throw new SpecException(field, e.getMessage());
    } catch (Exception e) {
      throw new SpecException("spec", "cannot be checked: " + e.getMessage());
    }
  }

  /** The `gems train` arguments of a validated spec (a fresh run into {@code out}). */
  public static List<String> trainArgs(JobSpec spec, Path out, Path cacheDir) {
    List<String> a = new ArrayList<>(List.of("train", "--data", spec.getDatasetPath(), "--out", out.toString(),
        "--cache-dir", cacheDir.toString(), "--overwrite"));
    text(a, "--method", spec.getMethod());
    text(a, "--backbone", spec.getBackbone());
    text(a, "--ids", spec.getIds());
    num(a, "--steps", spec.getSteps());
    num(a, "--batch-size", spec.getBatchSize());
    if (spec.hasSeed()) {
      a.add("--seed");
      a.add(Long.toString(spec.getSeed()));
    }
    dbl(a, "--lr", spec.getLr());
    dbl(a, "--decoder-lr", spec.getDecoderLr());
    num(a, "--rank-shared", spec.getRankShared());
    num(a, "--rank-task", spec.getRankTask());
    num(a, "--refresh", spec.getRefresh());
    if (spec.getNoNullSpace()) {
      a.add("--no-null-space");
    }
    if (spec.getSingleSubspace()) {
      a.add("--single-subspace");
    }
    text(a, "--decomposition", spec.getDecomposition());
    text(a, "--gates", spec.getGates());
    num(a, "--lora-rank", spec.getLoraRank());
    num(a, "--history", spec.getHistory());
    num(a, "--max-tokens", spec.getMaxTokens());
    num(a, "--decoder-layers", spec.getDecoderLayers());
    num(a, "--decoder-width", spec.getDecoderWidth());
    num(a, "--decoder-heads", spec.getDecoderHeads());
    num(a, "--decoder-ffn", spec.getDecoderFfn());
    num(a, "--eval-every", spec.getEvalEvery());
    num(a, "--patience", spec.getPatience());
    num(a, "--checkpoint-every", spec.getCheckpointEvery());
    num(a, "--valid-limit", spec.getValidLimit());
    num(a, "--levels", spec.getLevels());
    num(a, "--codebook", spec.getCodebook());
    return a;
  }

  /** Steps the run will take when it goes the whole way (the `gems train` default when 0). */
  public static long totalSteps(JobSpec spec) {
    return spec.getSteps() > 0 ? spec.getSteps() : 1000;
  }

  private static void oneOf(String field, String v, Set<String> allowed) {
    if (!v.isEmpty() && !allowed.contains(v)) {
      throw new SpecException(field, SpecException.quote(v) + " is not one of " + new TreeSet<>(allowed));
    }
  }

  private static void range(String field, long v, long max) {
    if (v < 0 || v > max) {
      throw new SpecException(field, "must be in 0.." + max + " (0: the default), got " + v);
    }
  }

  private static void rate(String field, double v) {
    if (!Double.isFinite(v) || v < 0 || v > 1) {
      throw new SpecException(field, "must be in [0, 1] (0: the default), got " + v);
    }
  }

  private static void text(List<String> a, String flag, String v) {
    if (!v.isEmpty()) {
      a.add(flag);
      a.add(v);
    }
  }

  private static void num(List<String> a, String flag, long v) {
    if (v > 0) {
      a.add(flag);
      a.add(Long.toString(v));
    }
  }

  private static void dbl(List<String> a, String flag, double v) {
    if (v > 0) {
      a.add(flag);
      a.add(Double.toString(v));
    }
  }
}
