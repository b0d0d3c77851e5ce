package org.gemsj.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.gemsj.data.Task;

/**
 * Appends lines of the {@link TrainLog} format, each written whole and flushed, so a report can
 * read the log while training runs and a crash loses at most the line being written.
 */
public final class TrainLogWriter implements AutoCloseable {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final OutputStream out;

  /** Opens {@code file} for appending (a resumed run continues the same log). */
  public TrainLogWriter(Path file) throws IOException {
    Path abs = file.toAbsolutePath();
    Files.createDirectories(abs.getParent());
    out = Files.newOutputStream(abs, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
        StandardOpenOption.WRITE);
  }

  public synchronized void step(TrainLog.Step s) throws IOException {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("type", "step");
    n.put("step", s.step());
    putNumber(n, "loss_search", s.lossSearch());
    putNumber(n, "loss_rec", s.lossRec());
    putNumber(n, "gate_search", s.gateSearch());
    putNumber(n, "gate_rec", s.gateRec());
    putNumber(n, "lr", s.lr());
    putNumber(n, "examples_per_s", s.examplesPerS());
    putNumber(n, "seconds", s.seconds());
    if (s.residentMb() != null) {
      putNumber(n, "resident_mb", s.residentMb());
    }
    if (s.nativeHeapMb() != null) {
      putNumber(n, "native_heap_mb", s.nativeHeapMb());
    }
    if (s.gateSearchMin() != null) {
      putNumber(n, "gate_search_min", s.gateSearchMin());
      putNumber(n, "gate_search_max", s.gateSearchMax());
      putNumber(n, "gate_search_reference", s.gateSearchReference());
    }
    line(n);
  }

  public synchronized void valid(TrainLog.Valid v) throws IOException {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("type", "valid");
    n.put("step", v.step());
    for (Task t : Task.values()) {
      Map<String, Double> m = v.metrics().get(t);
      if (m != null) {
        ObjectNode block = n.putObject(t.wire);
        m.forEach((k, x) -> putNumber(block, k, x));
      }
    }
    line(n);
  }

  /** Convenience for the trainer: a validation pass from an {@link EvalResult}'s full protocol. */
  public void valid(int step, EvalResult r) throws IOException {
    valid(new TrainLog.Valid(step, r.full()));
  }

  private void line(ObjectNode n) throws IOException {
    out.write((MAPPER.writeValueAsString(n) + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /** JSON has no NaN: non-finite values go out as strings that {@link TrainLog#read} understands. */
  private static void putNumber(ObjectNode n, String f, Double v) {
    if (v == null) {
      n.putNull(f);
    } else if (Double.isFinite(v)) {
      n.put(f, v);
    } else {
      n.put(f, v.toString());
    }
  }

  @Override
  public synchronized void close() throws IOException {
    out.close();
  }
}
