package org.gemsj.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.gemsj.api.GemsModel;
import org.gemsj.serve.proto.JobState;

/**
 * The models InferenceService answers from, by name: names given to {@code gems serve --model
 * NAME=DIR}, and the ids of SUCCEEDED jobs (their best model, OUT/model). A model is loaded on
 * first use and kept until the server stops.
 */
public final class ModelRegistry implements AutoCloseable {
  private final Map<String, Path> named;
  private final JobStore jobs;
  private final JobRunner runner;
  private final GemsModel.Policy inference; // how each model runs
  private final Map<String, GemsModel> loaded = new HashMap<>();

  public ModelRegistry(Map<String, Path> named, JobStore jobs, JobRunner runner, GemsModel.Policy inference) {
    this.inference = inference;
    this.named = Map.copyOf(named);
    this.jobs = jobs;
    this.runner = runner;
  }

  /**
   * Loads every model named on the command line now, so that a missing directory or a damaged
   * model stops the server at start with one line naming it, instead of failing every call.
   */
  public synchronized void loadNamed() throws IOException {
    for (var e : named.entrySet()) {
      try {
        loaded.put(e.getKey(), GemsModel.load(e.getValue(), inference));
      } catch (IOException | RuntimeException bad) {
        close();
        throw new IOException("--model " + e.getKey() + "=" + e.getValue() + ": "
            + String.valueOf(bad.getMessage()).lines().findFirst().orElse(bad.toString()), bad);
      }
    }
  }

  /** The model called {@code name}, loading it if needed; empty when there is none. */
  public synchronized Optional<GemsModel> get(String name) throws IOException, SQLException {
    GemsModel m = loaded.get(name);
    if (m != null) {
      return Optional.of(m);
    }
    Optional<Path> dir = locate(name);
    if (dir.isEmpty()) {
      return Optional.empty();
    }
    m = GemsModel.load(dir.get(), inference);
    loaded.put(name, m);
    return Optional.of(m);
  }

  private Optional<Path> locate(String name) throws SQLException {
    if (named.containsKey(name)) {
      return Optional.of(named.get(name));
    }
    if (JobStore.numOf(name) < 0) {
      return Optional.empty();
    }
    Optional<JobStore.Row> row = jobs.get(name);
    if (row.isEmpty() || row.get().job().getState() != JobState.JOB_STATE_SUCCEEDED) {
      return Optional.empty();
    }
    Path dir = runner.run(name).model();
    return Files.isDirectory(dir) ? Optional.of(dir) : Optional.empty();
  }

  @Override
  public synchronized void close() {
    loaded.values().forEach(GemsModel::close);
    loaded.clear();
  }
}
