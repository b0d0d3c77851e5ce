package org.gemsj.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gemsj.io.AtomicFiles;

/** The JSON a training benchmark writes: {"rows": [...], "meta": {...}}, the meta's common fields first. */
final class BenchJson {
  private BenchJson() {}

  /** When, on how many processors, which Java, on what data, and the load average before and now. */
  static Map<String, Object> meta(String data, double loadBefore) {
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("date", Instant.now().toString());
    meta.put("processors", Runtime.getRuntime().availableProcessors());
    meta.put("java", System.getProperty("java.version"));
    meta.put("data", data);
    meta.put("load_average_before", loadBefore);
    meta.put("load_average_after", ServeBenchmark.loadAverage());
    return meta;
  }

  /** Writes the rows and meta atomically, indented. */
  static void write(List<?> rows, Map<String, Object> meta, Path file) throws IOException {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("rows", rows);
    doc.put("meta", meta);
    AtomicFiles.write(file, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(doc));
  }
}
