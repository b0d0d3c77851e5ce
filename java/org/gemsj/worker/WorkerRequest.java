package org.gemsj.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.gemsj.io.AtomicFiles;
import org.gemsj.train.RunDirectory;

/**
 * What a parent (the job server, the study) asks a {@link TrainWorker} to do with the run in
 * OUT, whose train_config.json holds the settings: start it fresh or continue it from its
 * checkpoint, with these measurements and file limits, which are not settings of the run.
 *
 * @param resume continue from OUT's checkpoint; otherwise start fresh, replacing an earlier run's files
 * @param conflictEvery steps between gradient-conflict probes (0: none)
 * @param dataRoots the dataset's files are read only where they really lie inside these (empty: anywhere)
 * @param nproc ranks of a data-parallel run on this machine: the worker starts and watches them
 *     ({@link org.gemsj.dist.LocalRanks}); 1 (or 0, as a request written before it existed reads): one process
 */
public record WorkerRequest(boolean resume, int conflictEvery, List<Path> dataRoots, int nproc) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public WorkerRequest {
    if (conflictEvery < 0) {
      throw new IllegalArgumentException("conflictEvery must be >= 0, got " + conflictEvery);
    }
    if (nproc < 0) {
      throw new IllegalArgumentException("nproc must be >= 1, got " + nproc);
    }
    nproc = Math.max(1, nproc);
    dataRoots = List.copyOf(dataRoots);
  }

  void write(RunDirectory run) throws IOException {
    AtomicFiles.write(run.workerRequest(), JSON.writeValueAsBytes(this));
  }

  static WorkerRequest read(RunDirectory run) throws IOException {
    return JSON.readValue(run.workerRequest().toFile(), WorkerRequest.class);
  }
}
