package org.gemsj.eval;

import org.gemsj.io.AtomicFiles;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes and reads metrics.json: {"method", "backbone", "test", "valid", "sampled_test",
 * "baselines": {name: block}, "train_seconds", ...extra}, each block {task: {metric: value}}.
 */
public final class MetricsJson {
  public static final String FILE_NAME = "metrics.json";

  private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final TypeReference<Map<String, Map<String, Double>>> BLOCK = new TypeReference<>() {};

  private MetricsJson() {}

  public static String toJson(MetricsDoc doc) throws IOException {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("method", doc.method());
    root.put("backbone", doc.backbone());
    root.set("test", MAPPER.valueToTree(doc.test()));
    root.set("valid", MAPPER.valueToTree(doc.valid()));
    root.set("sampled_test", MAPPER.valueToTree(doc.sampledTest()));
    root.set("baselines", MAPPER.valueToTree(doc.baselines()));
    root.put("train_seconds", doc.trainSeconds());
    for (Map.Entry<String, Object> e : doc.extra().entrySet()) {
      root.set(e.getKey(), MAPPER.valueToTree(e.getValue()));
    }
    return MAPPER.writeValueAsString(root) + "\n";
  }

  /** Writes atomically, so a crash leaves the old file or the new one, never a torn one. */
  public static void write(Path file, MetricsDoc doc) throws IOException {
    AtomicFiles.write(file, toJson(doc).getBytes(StandardCharsets.UTF_8));
  }

  public static MetricsDoc read(Path file) throws IOException {
    JsonNode root = MAPPER.readTree(Files.readAllBytes(file));
    if (root == null || !root.isObject()) {
      throw new IOException(file + ": not a JSON object");
    }
    for (String f : MetricsDoc.FIELDS) {
      if (!root.has(f)) {
        throw new IOException(file + ": missing field '" + f + "'");
      }
    }
    Map<String, Map<String, Map<String, Double>>> baselines = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = root.get("baselines").fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      baselines.put(e.getKey(), MAPPER.convertValue(e.getValue(), BLOCK));
    }
    Map<String, Object> extra = new LinkedHashMap<>();
    root.fields().forEachRemaining(e -> {
      if (!MetricsDoc.FIELDS.contains(e.getKey())) {
        extra.put(e.getKey(), MAPPER.convertValue(e.getValue(), Object.class));
      }
    });
    try {
      return new MetricsDoc(root.get("method").asText(), root.get("backbone").asText(),
          MAPPER.convertValue(root.get("test"), BLOCK), MAPPER.convertValue(root.get("valid"), BLOCK),
          MAPPER.convertValue(root.get("sampled_test"), BLOCK), baselines, root.get("train_seconds").asDouble(),
          extra);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }
}
