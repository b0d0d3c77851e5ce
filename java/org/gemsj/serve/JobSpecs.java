package org.gemsj.serve;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.DoubleConsumer;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.gemsj.backbone.Backbone;
import org.gemsj.backbone.BundledBackbone;
import org.gemsj.io.FileConfinement;
import org.gemsj.model.ItemIds;
import org.gemsj.optim.Decomposition;
import org.gemsj.optim.GateMode;
import org.gemsj.serve.proto.JobSpec;
import org.gemsj.train.TrainConfig;
import org.gemsj.train.TrainDefaults;
import org.gemsj.train.TrainMethod;
import org.gemsj.train.TrainSettings;

/**
 * Checks a {@link JobSpec} and turns it into the run's {@link TrainConfig}. Every error names the spec
 * field. The output and cache directories are never taken from the spec: the server chooses them.
 */
public final class JobSpecs {
  // the values each enum takes, as the CLI spells them
  private static final Set<String> METHODS = names(TrainMethod.values(), m -> m.cliName);
  private static final Set<String> BUNDLED = names(BundledBackbone.values(), b -> b.cliName);
  private static final Set<String> IDS = names(ItemIds.Scheme.values(), s -> s.name().toLowerCase(Locale.ROOT));
  private static final Set<String> DECOMPOSITIONS = names(Decomposition.values(), d -> d.cliName);
  private static final Set<String> GATES = names(GateMode.values(), g -> g.cliName);

  /** Local ranks a spec may ask for: a rank per core at most makes sense on one machine. */
  static final int MAX_NPROC = 64;

  private JobSpecs() {}

  /** The worker processes a validated spec runs on (its nproc; 0 means 1). */
  public static int nproc(JobSpec spec) {
    return Math.max(1, spec.getNproc());
  }

  private static <E> Set<String> names(E[] values, Function<E, String> name) {
    return Arrays.stream(values).map(name).collect(Collectors.toUnmodifiableSet());
  }

  /**
   * Validates {@code spec}; returns it with dataset_path, and a backbone that is a directory
   * rather than a bundled name, replaced by their real paths.
   */
  public static JobSpec validate(JobSpec spec, DataRoots roots) {
    Path data = roots.resolveDirectory("spec.dataset_path", spec.getDatasetPath());
    String backbone = spec.getBackbone().isEmpty() || BUNDLED.contains(spec.getBackbone()) ? spec.getBackbone()
        : roots.resolveDirectory("spec.backbone", spec.getBackbone()).toString();
    oneOf("spec.method", spec.getMethod(), METHODS);
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
    range("spec.nproc", spec.getNproc(), MAX_NPROC);
    if (spec.getDecoderWidth() > 0 && spec.getDecoderHeads() > 0 && spec.getDecoderWidth() % spec.getDecoderHeads() != 0) {
      throw new SpecException("spec.decoder_width", "must be a multiple of decoder_heads (" + spec.getDecoderHeads() + ")");
    }
    if (spec.getDecoderWidth() > 0 && spec.getDecoderHeads() == 0 && spec.getDecoderWidth() % TrainDefaults.DECODER_HEADS != 0) {
      throw new SpecException("spec.decoder_width", "must be a multiple of the default " + TrainDefaults.DECODER_HEADS
          + " decoder heads");
    }
    JobSpec checked = spec.toBuilder().setDatasetPath(data.toString()).setBackbone(backbone).build();
    checkAsTheTrainerWould(checked, roots);
    return checked;
  }

  /**
   * The trainer's own checks, run at submit on the config the worker would get (one validation
   * for the CLI and the server): a spec that passes the ranges above but that the trainer refuses
   * (batch_size 1, max_tokens 4, lora with no_null_space, ...) is INVALID_ARGUMENT now, not a
   * FAILED job later. The field is the first option the message names.
   */
  private static void checkAsTheTrainerWould(JobSpec spec, DataRoots roots) {
    try {
      config(spec, Path.of("/validation-only"), Path.of("/validation-only/cache"), roots.confinement());
    } catch (IllegalArgumentException e) {
      Matcher flag = Pattern.compile("--([a-z][a-z-]*)").matcher(e.getMessage());
      String field = flag.find() ? "spec." + flag.group(1).replace('-', '_') : "spec";
      throw new SpecException(field, e.getMessage());
    }
  }

  /**
   * The run configuration of a validated spec: a fresh run into {@code out}; fields left at 0 or
   * empty take the trainer's defaults ({@link TrainSettings}). A backbone directory is opened
   * and checked through {@code files}.
   */
  public static TrainConfig config(JobSpec spec, Path out, Path cacheDir, FileConfinement files) {
    TrainConfig.Builder b = TrainConfig.builder(Path.of(spec.getDatasetPath()), out).cacheDir(cacheDir);
    text(spec.getMethod(), b::method);
    text(spec.getBackbone(), v -> b.backbone(Backbone.parse(v, files)));
    text(spec.getIds(), b::ids);
    num(spec.getSteps(), b::steps);
    num(spec.getBatchSize(), b::batchSize);
    if (spec.hasSeed()) {
      b.seed(spec.getSeed());
    }
    rate(spec.getLr(), b::lr);
    rate(spec.getDecoderLr(), b::decoderLr);
    num(spec.getRankShared(), b::rankShared);
    num(spec.getRankTask(), b::rankTask);
    num(spec.getRefresh(), b::refreshInterval);
    b.noNullSpace(spec.getNoNullSpace()).singleSubspace(spec.getSingleSubspace());
    text(spec.getDecomposition(), b::decomposition);
    text(spec.getGates(), b::gates);
    num(spec.getLoraRank(), b::loraRank);
    num(spec.getHistory(), b::historyLength);
    num(spec.getMaxTokens(), b::maxTokens);
    num(spec.getDecoderLayers(), b::decoderLayers);
    num(spec.getDecoderWidth(), b::decoderWidth);
    num(spec.getDecoderHeads(), b::decoderHeads);
    num(spec.getDecoderFfn(), b::decoderFfn);
    num(spec.getEvalEvery(), b::evalEvery);
    num(spec.getPatience(), b::patience);
    num(spec.getCheckpointEvery(), b::checkpointEvery);
    num(spec.getValidLimit(), b::validLimit);
    num(spec.getLevels(), b::levels);
    num(spec.getCodebook(), b::codebook);
    return b.config();
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

  private static void text(String v, Consumer<String> setter) {
    if (!v.isEmpty()) {
      setter.accept(v);
    }
  }

  private static void num(int v, IntConsumer setter) {
    if (v > 0) {
      setter.accept(v);
    }
  }

  private static void rate(double v, DoubleConsumer setter) {
    if (v > 0) {
      setter.accept(v);
    }
  }
}
