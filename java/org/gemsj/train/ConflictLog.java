package org.gemsj.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OUT/conflict.jsonl: per probed step, the cosine between the search and rec gradients of each
 * targeted weight ({@code raw}) and between the tasks' contributions to the applied update
 * ({@code applied}, subspace methods only). Written when training runs with --conflict-every.
 */
public final class ConflictLog implements AutoCloseable {
  public static final String FILE_NAME = "conflict.jsonl";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One probed step. NaN cosines (a zero gradient) are written as null. */
  public record Entry(int step, Map<String, Double> raw, Map<String, Double> applied) {}

  private final BufferedWriter out;

  /** Appends to {@code file} (a fresh run deletes it first with the other run files). */
  public ConflictLog(Path file) throws IOException {
    out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  public void write(int step, Adaptation.Conflict c) throws IOException {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("step", step);
    line.put("raw", finiteOrNull(c.raw()));
    line.put("applied", finiteOrNull(c.applied()));
    out.write(JSON.writeValueAsString(line));
    out.newLine();
    out.flush();
  }

  private static Map<String, Double> finiteOrNull(Map<String, Double> m) {
    Map<String, Double> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(k, Double.isFinite(v) ? v : null));
    return out;
  }

  @Override
  public void close() throws IOException {
    out.close();
  }

  /** The entries of a conflict.jsonl, in file order; a line torn by a crash ends the list. */
  public static List<Entry> read(Path file) throws IOException {
    List<Entry> entries = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      try {
        var node = JSON.readTree(line);
        entries.add(new Entry(node.get("step").asInt(), doubles(node.get("raw")), doubles(node.get("applied"))));
      } catch (IOException | NullPointerException torn) {
        break;
      }
    }
    return entries;
  }

  private static Map<String, Double> doubles(JsonNode node) {
    Map<String, Double> out = new LinkedHashMap<>();
    node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().isNull() ? Double.NaN : e.getValue().asDouble()));
    return out;
  }
}
