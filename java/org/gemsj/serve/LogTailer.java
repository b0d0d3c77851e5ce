package org.gemsj.serve;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.gemsj.data.Task;
import org.gemsj.eval.TrainLog;
import org.gemsj.serve.proto.Evaluation;
import org.gemsj.serve.proto.Progress;

/**
 * Follows a run's train_log.jsonl (format: {@link TrainLog}) and turns new whole lines into
 * progress and evaluation events. Only the last step line of each poll becomes an event: progress
 * is a state, not a history, and every event is a database commit.
 */
final class LogTailer {
  private final Path file;
  private final long totalSteps;
  private long offset;

  /** Starts at the end of what the file holds now (a resumed run's old lines are history). */
  LogTailer(Path file, long totalSteps) throws IOException {
    this.file = file;
    this.totalSteps = totalSteps;
    this.offset = Files.exists(file) ? Files.size(file) : 0;
  }

  /** What the poll found: the latest progress (or null) and the evaluations, in order. */
  record Found(Progress progress, List<Evaluation> evaluations) {}

  Found poll() throws IOException {
    List<Evaluation> evals = new ArrayList<>();
    Progress progress = null;
    if (!Files.exists(file)) {
      return new Found(null, evals);
    }
    long size = Files.size(file);
    if (size < offset) { // a resumed trainer cut the lines written after its checkpoint
      offset = size;
    }
    if (size == offset) {
      return new Found(null, evals);
    }
    byte[] bytes;
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      f.seek(offset);
      bytes = new byte[(int) Math.min(size - offset, 64 << 20)];
      f.readFully(bytes);
    }
    int end = lastNewline(bytes);
    if (end < 0) {
      return new Found(null, evals); // a line still being written
    }
    offset += end + 1;
    TrainLog chunk = TrainLog.parse(new String(bytes, 0, end, StandardCharsets.UTF_8), file.toString());
    if (!chunk.steps().isEmpty()) {
      TrainLog.Step s = chunk.steps().get(chunk.steps().size() - 1);
      progress = Progress.newBuilder().setStep(s.step()).setTotalSteps(totalSteps)
          .setLossSearch(orNaN(s.lossSearch())).setLossRec(orNaN(s.lossRec()))
          .setExamplesPerSecond(s.examplesPerS()).build();
    }
    for (TrainLog.Valid v : chunk.valid()) {
      Evaluation.Builder e = Evaluation.newBuilder().setStep(v.step());
      v.metrics().forEach((task, metrics) -> {
        if (task == Task.SEARCH) {
          e.putAllSearch(metrics);
        } else {
          e.putAllRec(metrics);
        }
      });
      evals.add(e.build());
    }
    return new Found(progress, evals);
  }

  /** A loss is null when its task had no batch in that step. */
  private static double orNaN(Double loss) {
    return loss == null ? Double.NaN : loss;
  }

  private static int lastNewline(byte[] b) {
    for (int i = b.length - 1; i >= 0; i--) {
      if (b[i] == '\n') {
        return i;
      }
    }
    return -1;
  }
}
