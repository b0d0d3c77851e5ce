package org.gemsj.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gemsj.data.Task;

/**
 * The trainer's log, train_log.jsonl: one JSON object per line, appended as training goes.
 *
 * <pre>
 * {"type":"step","step":int,"loss_search":x|null,"loss_rec":x|null,"gate_search":x,"gate_rec":x,
 *  "lr":x,"examples_per_s":x,"seconds":x,"resident_mb":x,"native_heap_mb":x,
 *  "gate_search_min":x,"gate_search_max":x,"gate_search_reference":x}
 * {"type":"valid","step":int,"search":{metric: x, ...},"rec":{...}}
 * </pre>
 *
 * A loss is null when its task had no batch in that step; non-finite numbers are written as the
 * strings "NaN", "Infinity", "-Infinity". "seconds" is wall time since training began. A valid line
 * leaves out a task without validation examples. Lines of other types are skipped when read.
 */
public record TrainLog(List<Step> steps, List<Valid> valid) {
  public static final String FILE_NAME = "train_log.jsonl";

  public TrainLog {
    steps = List.copyOf(steps);
    valid = List.copyOf(valid);
  }

  /**
   * One optimizer step. {@code residentMb} (the process's resident set) and {@code nativeHeapMb}
   * (malloc'd memory in use, where libtorch's CPU tensors live) are null when not measured.
   * {@code gateSearch} is the mean over the targeted weights when each has its own gates (running
   * gates), {@code gateSearchMin} / {@code gateSearchMax} their range and {@code gateSearchReference}
   * the reference formula's gate for the same batch; null in logs written before they existed.
   */
  public record Step(int step, Double lossSearch, Double lossRec, double gateSearch, double gateRec, double lr,
      double examplesPerS, double seconds, Double residentMb, Double nativeHeapMb, Double gateSearchMin,
      Double gateSearchMax, Double gateSearchReference) {
    public Step(int step, Double lossSearch, Double lossRec, double gateSearch, double gateRec, double lr,
        double examplesPerS, double seconds) {
      this(step, lossSearch, lossRec, gateSearch, gateRec, lr, examplesPerS, seconds, null, null, null, null, null);
    }
  }

  /** One validation pass: task -> metrics keyed as {@link RankingMetrics#KEYS}. */
  public record Valid(int step, Map<Task, Map<String, Double>> metrics) {
    public Valid {
      EnumMap<Task, Map<String, Double>> m = new EnumMap<>(Task.class);
      metrics.forEach((t, v) -> m.put(t, Collections.unmodifiableMap(new LinkedHashMap<>(v))));
      metrics = Collections.unmodifiableMap(m);
    }
  }

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /**
   * Reads a log. A last line without its newline that does not parse is the trainer dying mid-write
   * and is dropped; any other bad line is an error naming its line number.
   */
  public static TrainLog read(Path file) throws IOException {
    return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
  }

  /** {@link #read} for log text already in hand; {@code source} names it in errors. */
  public static TrainLog parse(String all, String source) throws IOException {
    String[] lines = all.split("\n", -1);
    List<Step> steps = new ArrayList<>();
    List<Valid> valid = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty()) {
        continue;
      }
      boolean torn = i == lines.length - 1; // no newline after it
      JsonNode n;
      try {
        n = MAPPER.readTree(line);
      } catch (JsonProcessingException e) {
        if (torn) {
          break;
        }
        throw new IOException(source + ":" + (i + 1) + ": not JSON: " + e.getOriginalMessage(), e);
      }
      try {
        String type = n.path("type").asText();
        if (type.equals("step")) {
          steps.add(new Step(intField(n, "step"), nullable(n, "loss_search"), nullable(n, "loss_rec"),
              number(n, "gate_search"), number(n, "gate_rec"), number(n, "lr"), number(n, "examples_per_s"),
              number(n, "seconds"), nullable(n, "resident_mb"), nullable(n, "native_heap_mb"),
              nullable(n, "gate_search_min"), nullable(n, "gate_search_max"), nullable(n, "gate_search_reference")));
        } else if (type.equals("valid")) {
          Map<Task, Map<String, Double>> m = new EnumMap<>(Task.class);
          for (Task t : Task.values()) {
            JsonNode block = n.get(t.wire);
            if (block != null && !block.isNull()) {
              Map<String, Double> metrics = new LinkedHashMap<>();
              Iterator<Map.Entry<String, JsonNode>> it = block.fields();
              while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                metrics.put(e.getKey(), value(e.getValue(), t.wire + "." + e.getKey()));
              }
              m.put(t, metrics);
            }
          }
          valid.add(new Valid(intField(n, "step"), m));
        }
      } catch (IllegalArgumentException e) {
        throw new IOException(source + ":" + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    return new TrainLog(steps, valid);
  }

  private static int intField(JsonNode n, String f) {
    JsonNode v = n.get(f);
    if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
      throw new IllegalArgumentException("'" + f + "' must be an integer");
    }
    return v.intValue();
  }

  private static double number(JsonNode n, String f) {
    Double d = nullable(n, f);
    if (d == null) {
      throw new IllegalArgumentException("'" + f + "' is missing");
    }
    return d;
  }

  private static Double nullable(JsonNode n, String f) {
    JsonNode v = n.get(f);
    return v == null || v.isNull() ? null : value(v, f);
  }

  private static double value(JsonNode v, String f) {
    if (v.isNumber()) {
      return v.doubleValue();
    }
    if (v.isTextual()) {
      switch (v.textValue()) {
        case "NaN":
          return Double.NaN;
        case "Infinity":
          return Double.POSITIVE_INFINITY;
        case "-Infinity":
          return Double.NEGATIVE_INFINITY;
        default:
          break;
      }
    }
    throw new IllegalArgumentException("'" + f + "' must be a number, got " + v);
  }
}
