package org.gemsj.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.gemsj.data.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsJsonTest {
  @TempDir Path dir;

  /** Metrics of a single example at {@code rank} for each task in {@code tasks}. */
  static Map<Task, Map<String, Double>> block(int rank, Task... tasks) {
    Map<Task, Map<String, Double>> m = new LinkedHashMap<>();
    for (Task t : tasks) {
      m.put(t, RankingMetrics.forRank(rank));
    }
    return m;
  }

  static EvalResult result(String name, int fullRank, int sampledRank, Task... tasks) {
    Map<Task, Long> counts = new LinkedHashMap<>();
    for (Task t : tasks) {
      counts.put(t, 10L);
    }
    return new EvalResult(name, block(fullRank, tasks), block(sampledRank, tasks), counts);
  }

  static MetricsDoc sample() {
    EvalResult test = result("gems", 3, 1, Task.SEARCH, Task.REC);
    EvalResult valid = result("gems", 2, 1, Task.SEARCH, Task.REC);
    List<EvalResult> baselines = List.of(result("bm25", 7, 2, Task.SEARCH),
        result("popularity", 12, 4, Task.REC),
        result("dense", 15, 3, Task.SEARCH));
    return MetricsDoc.of("gems", "all-MiniLM-L6-v2", test, valid, baselines, 123.5,
        Map.of("config", Map.of("lr", 1e-4, "rank", 8)));
  }

  @Test
  void shapeIsExactlyTheContract() throws Exception {
    Path file = dir.resolve("out/metrics.json");
    MetricsJson.write(file, sample());
    JsonNode root = new ObjectMapper().readTree(file.toFile());
    List<String> fields = new ArrayList<>();
    root.fieldNames().forEachRemaining(fields::add);
    assertEquals(List.of("method", "backbone", "test", "valid", "sampled_test", "baselines", "train_seconds",
        "config", "counts", "sampled_baselines").subList(0, 8), fields.subList(0, 8));
    assertEquals("gems", root.get("method").asText());
    assertEquals("all-MiniLM-L6-v2", root.get("backbone").asText());
    assertEquals(123.5, root.get("train_seconds").asDouble());
    assertEquals(List.of("bm25", "popularity", "dense"), names(root.get("baselines")));
    assertEquals(List.of("search"), names(root.get("baselines").get("bm25")));
    assertEquals(List.of("rec"), names(root.get("baselines").get("popularity")));
    // every metric block has the same keys in the same order
    List<JsonNode> blocks = new ArrayList<>();
    for (String s : List.of("test", "valid", "sampled_test")) {
      root.get(s).forEach(blocks::add);
      assertEquals(List.of("search", "rec"), names(root.get(s)));
    }
    root.get("baselines").forEach(b -> b.forEach(blocks::add));
    assertEquals(9, blocks.size());
    for (JsonNode b : blocks) {
      assertEquals(RankingMetrics.KEYS, names(b));
      b.forEach(v -> assertTrue(v.isNumber()));
    }
    assertEquals(1.0 / 3, root.get("test").get("rec").get("mrr@5").asDouble(), 1e-15);
    assertEquals(0.0, root.get("baselines").get("popularity").get("rec").get("hr@10").asDouble());
    assertEquals(10, root.get("counts").get("test").get("search").asInt());
  }

  @Test
  void roundTripAndNoTempFileLeft() throws Exception {
    Path file = dir.resolve("metrics.json");
    Files.writeString(file, "old");
    MetricsDoc doc = sample();
    MetricsJson.write(file, doc);
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(List.of(file), s.toList());
    }
    MetricsDoc back = MetricsJson.read(file);
    assertEquals(doc.method(), back.method());
    assertEquals(doc.test(), back.test());
    assertEquals(doc.valid(), back.valid());
    assertEquals(doc.sampledTest(), back.sampledTest());
    assertEquals(doc.baselines(), back.baselines());
    assertEquals(doc.trainSeconds(), back.trainSeconds());
    assertEquals(List.of("config", "counts", "sampled_baselines"), List.copyOf(back.extra().keySet()));
    assertEquals(MetricsJson.toJson(doc), MetricsJson.toJson(back));
  }

  @Test
  void badBlocksAreRejected() {
    Map<String, Map<String, Double>> missingKey = new LinkedHashMap<>();
    Map<String, Double> m = new LinkedHashMap<>(RankingMetrics.forRank(1));
    m.remove("mrr@20");
    missingKey.put("search", m);
    assertThrows(IllegalArgumentException.class,
        () -> new MetricsDoc("m", "b", missingKey, Map.of(), Map.of(), Map.of(), 0, Map.of()));
    Map<String, Map<String, Double>> badTask = Map.of("ads", RankingMetrics.forRank(1));
    assertThrows(IllegalArgumentException.class,
        () -> new MetricsDoc("m", "b", badTask, Map.of(), Map.of(), Map.of(), 0, Map.of()));
    Map<String, Double> nan = new LinkedHashMap<>(RankingMetrics.forRank(1));
    nan.put("hr@5", Double.NaN);
    assertThrows(IllegalArgumentException.class,
        () -> new MetricsDoc("m", "b", Map.of("rec", nan), Map.of(), Map.of(), Map.of(), 0, Map.of()));
    assertThrows(IllegalArgumentException.class,
        () -> new MetricsDoc("m", "b", Map.of(), Map.of(), Map.of(), Map.of(), 0, Map.of("test", 1)));
  }

  @Test
  void readRejectsMissingFields() throws Exception {
    Path file = dir.resolve("partial.json");
    Files.writeString(file, "{\"method\":\"m\",\"backbone\":\"b\",\"test\":{}}");
    Exception e = assertThrows(java.io.IOException.class, () -> MetricsJson.read(file));
    assertTrue(e.getMessage().contains("valid"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("metrics.json")));
  }

  private static List<String> names(JsonNode n) {
    List<String> out = new ArrayList<>();
    Iterator<String> it = n.fieldNames();
    it.forEachRemaining(out::add);
    return out;
  }
}
