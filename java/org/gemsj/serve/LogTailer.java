package org.gemsj.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
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
  private static final ObjectMapper JSON = new ObjectMapper();

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
    for (String line : new String(bytes, 0, end, StandardCharsets.UTF_8).split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode n = JSON.readTree(line);
      switch (n.path("type").asText()) {
        case "step" -> progress = Progress.newBuilder().setStep(n.path("step").asLong()).setTotalSteps(totalSteps)
            .setLossSearch(number(n.get("loss_search"))).setLossRec(number(n.get("loss_rec")))
            .setExamplesPerSecond(number(n.get("examples_per_s"))).build();
        case "valid" -> evals.add(evaluation(n));
        default -> { } // other line types are not events
      }
    }
    return new Found(progress, evals);
  }

  private static Evaluation evaluation(JsonNode n) {
    Evaluation.Builder e = Evaluation.newBuilder().setStep(n.path("step").asLong());
    for (Task t : Task.values()) {
      JsonNode block = n.get(t.wire);
      if (block == null || !block.isObject()) {
        continue;
      }
      Iterator<Map.Entry<String, JsonNode>> it = block.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> m = it.next();
        if (t == Task.SEARCH) {
          e.putSearch(m.getKey(), number(m.getValue()));
        } else {
          e.putRec(m.getKey(), number(m.getValue()));
        }
      }
    }
    return e.build();
  }

  /** JSON number, or one of TrainLog's non-finite strings; null (a task without a batch) is NaN. */
  private static double number(JsonNode v) {
    if (v == null || v.isNull()) {
      return Double.NaN;
    }
    if (v.isNumber()) {
      return v.doubleValue();
    }
    return switch (v.asText()) {
      case "Infinity" -> Double.POSITIVE_INFINITY;
      case "-Infinity" -> Double.NEGATIVE_INFINITY;
      default -> Double.NaN;
    };
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
