package org.gemsj.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.gemsj.data.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainLogTest {
  @TempDir Path dir;

  @Test
  void roundTrip() throws Exception {
    Path file = dir.resolve("run/train_log.jsonl");
    TrainLog.Step s1 = new TrainLog.Step(1, 2.5, null, 0.7, 0.3, 1e-4, 123.25, 0.5);
    TrainLog.Step s2 = new TrainLog.Step(2, null, 1.75, 0.6, 0.4, 2e-4, 130.0, 1.0);
    TrainLog.Valid v = new TrainLog.Valid(2, Map.of(Task.REC, RankingMetrics.forRank(4)));
    try (TrainLogWriter w = new TrainLogWriter(file)) {
      w.step(s1);
      w.step(s2);
      w.valid(v);
    }
    // a resumed run appends
    try (TrainLogWriter w = new TrainLogWriter(file)) {
      w.step(new TrainLog.Step(3, Double.NaN, 1.5, 0.5, 0.5, 3e-4, 140.0, 1.5));
    }
    List<String> lines = Files.readAllLines(file);
    assertEquals(4, lines.size());
    assertEquals("{\"type\":\"step\",\"step\":1,\"loss_search\":2.5,\"loss_rec\":null,\"gate_search\":0.7,"
        + "\"gate_rec\":0.3,\"lr\":1.0E-4,\"examples_per_s\":123.25,\"seconds\":0.5}", lines.get(0));
    assertTrue(lines.get(2).startsWith("{\"type\":\"valid\",\"step\":2,\"rec\":{\"hr@5\":1.0,\"ndcg@5\":"),
        lines.get(2));

    TrainLog log = TrainLog.read(file);
    assertEquals(List.of(s1, s2), log.steps().subList(0, 2));
    assertNull(log.steps().get(0).lossRec());
    assertTrue(log.steps().get(2).lossSearch().isNaN());
    assertEquals(1, log.valid().size());
    assertEquals(2, log.valid().get(0).step());
    assertEquals(RankingMetrics.forRank(4), log.valid().get(0).metrics().get(Task.REC));
    assertEquals(RankingMetrics.KEYS, List.copyOf(log.valid().get(0).metrics().get(Task.REC).keySet()));
    assertEquals(java.util.Set.of(Task.REC), log.valid().get(0).metrics().keySet());
  }

  @Test
  void tornLastLineIsDroppedOtherBadLinesFail() throws Exception {
    Path file = dir.resolve("train_log.jsonl");
    try (TrainLogWriter w = new TrainLogWriter(file)) {
      w.step(new TrainLog.Step(1, 1.0, 1.0, 0.5, 0.5, 1e-3, 10, 1));
    }
    Files.writeString(file, "{\"type\":\"note\",\"text\":\"ignored\"}\n{\"type\":\"step\",\"st",
        StandardOpenOption.APPEND);
    assertEquals(1, TrainLog.read(file).steps().size());

    Path bad = dir.resolve("bad.jsonl");
    Files.writeString(bad, "{\"type\":\"step\",\"st\n{\"type\":\"valid\",\"step\":1}\n");
    IOException e = assertThrows(IOException.class, () -> TrainLog.read(bad));
    assertTrue(e.getMessage().contains(":1:"), e.getMessage());

    Path missing = dir.resolve("missing.jsonl");
    Files.writeString(missing, "{\"type\":\"step\",\"step\":1,\"loss_search\":1}\n");
    e = assertThrows(IOException.class, () -> TrainLog.read(missing));
    assertTrue(e.getMessage().contains("gate_search"), e.getMessage());
  }
}
