package org.gemsj.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.gemsj.eval.MetricsJson;
import org.gemsj.eval.ReportWriter;
import org.gemsj.eval.TrainLog;
import org.gemsj.io.AtomicFiles;

/**
 * OUT/, one training run's directory, and the one place that knows its layout (docs/TRAINING.md
 * describes the files): the run's configuration, its log, conflict probes, the latest checkpoint, the best
 * model, metrics.json and the report. The trainer writes it; the job server, the study and the
 * report read it, all through this type.
 */
public record RunDirectory(Path root) {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .findAndRegisterModules();

  /** The configuration the run started with (what --resume continues). */
  public Path config() {
    return root.resolve("train_config.json");
  }

  /** The configuration the run was started with; IOException when OUT holds no run. */
  public TrainConfig readConfig() throws IOException {
    if (!Files.isRegularFile(config())) {
      throw new IOException(root + " holds no training run to resume (" + config().getFileName() + " is missing)");
    }
    return JSON.readValue(config().toFile(), TrainConfig.class);
  }

  /** Writes the run's configuration (atomically): a fresh run's first file, what a worker or --resume runs. */
  public void writeConfig(TrainConfig config) throws IOException {
    AtomicFiles.write(config(), JSON.writeValueAsBytes(config));
  }

  /** What a worker process is asked to do with this run ({@code worker.WorkerRequest}), written by its parent. */
  public Path workerRequest() {
    return root.resolve("worker.json");
  }

  /** The latest checkpoint, replaced whole ({@link AtomicFiles#replaceDirectory}). */
  public Path checkpoint() {
    return root.resolve("checkpoint");
  }

  /** The trainer's progress inside the checkpoint. */
  public Path checkpointState() {
    return checkpoint().resolve("state.json");
  }

  /** The best model so far, what serving loads. */
  public Path model() {
    return root.resolve("model");
  }

  public Path trainLog() {
    return root.resolve(TrainLog.FILE_NAME);
  }

  public Path conflictLog() {
    return root.resolve(ConflictLog.FILE_NAME);
  }

  public Path metrics() {
    return root.resolve(MetricsJson.FILE_NAME);
  }

  public Path report() {
    return root.resolve(ReportWriter.REPORT);
  }

  /** Everything a run writes; a fresh run refuses to mix with an earlier run's (or replaces them with --overwrite). */
  public List<Path> runFiles() {
    return List.of(config(), checkpoint(), model(), trainLog(), metrics(), report(),
        root.resolve(ReportWriter.LOSS_PNG), root.resolve(ReportWriter.GATES_PNG), root.resolve(ReportWriter.VALID_PNG),
        root.resolve(ReportWriter.MEMORY_PNG), conflictLog());
  }

  /** The first of a run's files that OUT holds (an interrupted replacement's leftover included), if any. */
  public Optional<Path> anyRunFile() {
    for (Path f : runFiles()) {
      if (Files.exists(f) || Files.exists(old(f))) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }

  /**
   * Makes OUT a fresh run of {@code config}: an earlier run's files (leftovers of interrupted
   * replacements included) are deleted, its checkpoint before its configuration changes, then
   * the configuration is replaced in one rename, so that another rank reading it never finds
   * none. The rest of OUT stays.
   */
  public void startFresh(TrainConfig config) throws IOException {
    for (Path f : runFiles()) {
      if (!f.equals(config())) {
        AtomicFiles.deleteTree(f);
      }
      AtomicFiles.deleteTree(old(f));
    }
    writeConfig(config);
  }

  /** Where an interrupted directory replacement leaves the previous copy ({@link AtomicFiles#replaceDirectory}). */
  private static Path old(Path f) {
    return f.resolveSibling(f.getFileName() + ".old");
  }

  /**
   * The step the checkpoint holds, if the run has a configuration and a readable checkpoint (an
   * interrupted checkpoint replacement is completed first); empty otherwise, also for an empty or
   * torn state.json.
   */
  public OptionalLong checkpointStep() {
    try {
      AtomicFiles.recoverDirectory(checkpoint());
      if (!Files.isRegularFile(checkpointState()) || !Files.isRegularFile(config())) {
        return OptionalLong.empty();
      }
      JsonNode step = JSON.readTree(checkpointState().toFile()).get("step");
      return step != null && step.canConvertToLong() && step.asLong() >= 0 ? OptionalLong.of(step.asLong())
          : OptionalLong.empty();
    } catch (IOException e) {
      return OptionalLong.empty();
    }
  }

  /** metrics.json's text, once the run has finished. */
  public Optional<String> metricsJson() throws IOException {
    return Files.isRegularFile(metrics()) ? Optional.of(Files.readString(metrics(), StandardCharsets.UTF_8))
        : Optional.empty();
  }
}
