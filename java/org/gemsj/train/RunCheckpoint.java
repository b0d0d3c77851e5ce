package org.gemsj.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.gemsj.io.AtomicFiles;
import org.gemsj.model.GenerativeModel;
import org.gemsj.model.ParamFile;
import org.gemsj.model.Params;

/**
 * OUT/checkpoint, what a resumed run continues from: the model's weights, the adaptation's state
 * (optimizers, LoRA adapters) and the trainer's {@link TrainState}, replaced whole
 * ({@link AtomicFiles#replaceDirectory}) so a crash leaves the previous checkpoint or the new one.
 */
final class RunCheckpoint {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .findAndRegisterModules();
  private static final String WEIGHTS = "weights.bin";

  private RunCheckpoint() {}

  static void write(RunDirectory run, GenerativeModel model, Adaptation adaptation, TrainState state)
      throws IOException {
    AtomicFiles.replaceDirectory(run.checkpoint(), dir -> {
      ParamFile.write(dir.resolve(WEIGHTS), model.params.asMap());
      adaptation.save(dir);
      AtomicFiles.write(dir.resolve(run.checkpointState().getFileName().toString()), JSON.writeValueAsBytes(state));
    });
  }

  /**
   * Loads the checkpoint into {@code model} and {@code adaptation}; returns the state to continue
   * from. Refuses a checkpoint of other data ({@code digest} differs), and, when this process
   * {@code writes} OUT (rank 0 of a data-parallel run), drops the log lines written after it,
   * which the resumed run writes again.
   */
  static TrainState restore(RunDirectory run, TrainConfig config, GenerativeModel model, Adaptation adaptation,
      String digest, boolean writes, PrintStream log) throws IOException {
    Path dir = run.checkpoint();
    AtomicFiles.recoverDirectory(dir);
    AtomicFiles.recoverDirectory(run.model());
    if (!Files.isDirectory(dir)) {
      throw new IOException("nothing to resume: " + dir + " does not exist");
    }
    Params saved = ParamFile.read(dir.resolve(WEIGHTS));
    try (NoGradGuard g = new NoGradGuard(); PointerScope scope = new PointerScope()) {
      for (String n : model.params.names()) {
        model.params.get(n).copy_(saved.get(n));
      }
    }
    adaptation.load(dir);
    TrainState state = JSON.readValue(run.checkpointState().toFile(), TrainState.class);
    if (!digest.equals(state.dataDigest())) {
      throw new IllegalArgumentException(config.data() + " changed since the checkpoint was written (its files' "
          + "SHA-256 differs): resuming would train on other data; start a new run instead");
    }
    if (writes) {
      truncateAfter(run.trainLog(), state.step());
      truncateAfter(run.conflictLog(), state.step());
    }
    log.println("gems: resuming at step " + state.step() + " of " + config.steps());
    return state;
  }

  /** Drops the lines of a JSON-lines log written after the checkpoint, which the resumed run writes again. */
  private static void truncateAfter(Path file, long step) throws IOException {
    if (!Files.exists(file)) {
      return;
    }
    StringBuilder kept = new StringBuilder();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      try {
        if (JSON.readTree(line).path("step").asLong() <= step) {
          kept.append(line).append('\n');
        }
      } catch (IOException torn) {
        // a line cut by the crash: dropped
      }
    }
    AtomicFiles.write(file, kept.toString().getBytes(StandardCharsets.UTF_8));
  }
}
