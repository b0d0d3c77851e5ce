package org.gemsj.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.gemsj.backbone.BundledBackbone;
import org.gemsj.data.synth.SyntheticData;
import org.gemsj.eval.MetricsJson;
import org.gemsj.eval.RankingMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny study (2 methods x 2 seeds, a few steps, each run a real `gems train` child JVM):
 * study.json has the shape and agrees with the runs' metrics.json, the analyses are
 * filled in, the plots exist, and running it again reuses the finished runs.
 */
class StudyEndToEndTest {
  @TempDir Path dir;

  @Test
  void tinyStudyHasEveryPartAndResumes() throws Exception {
    Path data = dir.resolve("data"), out = dir.resolve("study");
    SyntheticData.generate(data, 11, new SyntheticData.Options(60, 30, 8));
    // 10 steps: the small budget probes conflict at steps 1 and 10, and the applied series leaves out step 1
    StudyOverrides tiny = new StudyOverrides("tiny", b -> b.steps(10).batchSize(8).maxTokens(16).historyLength(2)
        .evalEvery(5).validLimit(10).refreshInterval(2));
    Study.Options options = new Study.Options(data, out, 2, 5, StudyBudget.SMALL, tiny,
        StudyMethod.parse("gems,full"), BundledBackbone.MINILM, dir.resolve("cache"), 2);
    Study.Outcome first = new Study(options, System.out).run();
    assertEquals(List.of(), first.failed());

    JsonNode study = new ObjectMapper().readTree(first.studyJson().toFile());
    assertEquals(List.of("gems", "full"), names(study.get("methods")));
    for (String method : List.of("gems", "full")) {
      JsonNode m = study.get("methods").get(method);
      assertEquals(2, m.get("runs").size());
      for (String task : List.of("search", "rec")) {
        assertEquals(RankingMetrics.KEYS, names(m.get("mean").get(task)));
        assertEquals(RankingMetrics.KEYS, names(m.get("std").get(task)));
        // the mean is the mean of the runs' own metrics.json
        double sum = 0;
        for (JsonNode run : m.get("runs")) {
          Path runDir = Path.of(run.get("dir").asText());
          sum += MetricsJson.read(runDir.resolve(MetricsJson.FILE_NAME)).test().get(task).get("ndcg@10");
        }
        assertEquals(sum / 2, m.get("mean").get(task).get("ndcg@10").asDouble(), 1e-12);
      }
      JsonNode conflict = m.get("conflict");
      assertEquals("applied", conflict.get("series").asText());
      assertEquals("raw", m.get("conflict_raw").get("series").asText());
      double appliedMean = m.get("conflict_mean_cosine").get("applied").get("mean").asDouble();
      assertTrue(appliedMean >= -1 && appliedMean <= 1 && appliedMean != 0, "applied mean cosine " + appliedMean);
      assertEquals(36, conflict.get("weights").size()); // MiniLM: 6 layers x (q, k, v, o, ffn in, ffn out)
      double cos = conflict.get("cosine").get(0).get(0).asDouble();
      assertTrue(cos >= -1 && cos <= 1 && cos != 0, "cosine " + cos);
      double heldout = m.get("retention").get("heldout_cosine").get("mean").asDouble();
      assertTrue(heldout > 0.5 && heldout <= 1 + 1e-6, "held-out cosine " + heldout);
      assertTrue(m.get("cost").get("peak_rss_mb").get("mean").asDouble() > 100);
      assertTrue(m.get("cost").get("optimizer_state_bytes").get("mean").asDouble() > 0);
    }
    assertTrue(study.get("baselines").get("bm25").get("mean").has("search"));
    assertTrue(study.get("differences_vs_gems").get("full").get("rec").has("exceeds_noise"));
    for (String png : List.of("metrics.png", "retention.png", "conflict-gems.png", "conflict-full.png")) {
      assertTrue(Files.size(out.resolve(png)) > 1000, png);
    }
    String md = Files.readString(first.studyMd());
    assertTrue(md.contains("| gems |") && md.contains("Differences from gems"), md);

    // a second invocation reuses every finished run and writes the same numbers
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    Study.Outcome again = new Study(options, new PrintStream(log, true)).run();
    assertEquals(4, log.toString().split("finished earlier, reused", -1).length - 1, log.toString());
    JsonNode second = new ObjectMapper().readTree(again.studyJson().toFile());
    assertEquals(study.get("methods").get("gems").get("mean"), second.get("methods").get("gems").get("mean"));

    // a run the study was killed in (its record without an exit code, no metrics.json) continues
    // from its checkpoint, with the conflict probes, and ends with the numbers it would have had
    Path cut = out.resolve("runs/full/seed-6");
    byte[] before = Files.readAllBytes(cut.resolve(MetricsJson.FILE_NAME));
    JsonNode record = new ObjectMapper().readTree(cut.resolve(Study.RUN_RECORD).toFile());
    ((com.fasterxml.jackson.databind.node.ObjectNode) record).remove("exit_code");
    Files.write(cut.resolve(Study.RUN_RECORD), new ObjectMapper().writeValueAsBytes(record));
    Files.delete(cut.resolve(MetricsJson.FILE_NAME));
    ByteArrayOutputStream resumed = new ByteArrayOutputStream();
    new Study(options, new PrintStream(resumed, true)).run();
    assertTrue(resumed.toString().contains("full, seed 6: resuming from its checkpoint"), resumed.toString());
    assertEquals(3, resumed.toString().split("finished earlier, reused", -1).length - 1, resumed.toString());
    assertEquals(new ObjectMapper().readTree(before).get("test"),
        new ObjectMapper().readTree(cut.resolve(MetricsJson.FILE_NAME).toFile()).get("test"));
    assertTrue(Files.readString(cut.resolve(Study.RUN_OUTPUT)).contains("resuming at step 10"), "output appended");
    assertEquals(2, org.gemsj.train.ConflictLog.read(cut.resolve(org.gemsj.train.ConflictLog.FILE_NAME)).size());

    // the same OUT with other options (a --set lr=...) is refused before any run starts, and nothing is touched
    StudyOverrides otherLr = new StudyOverrides("tiny --lr 1e-3", b -> {
      tiny.settings().accept(b);
      b.lr(1e-3);
    });
    Path metrics = out.resolve("runs/gems/seed-5").resolve(MetricsJson.FILE_NAME);
    long modified = Files.getLastModifiedTime(metrics).toMillis();
    Study.Options changed = new Study.Options(data, out, 2, 5, StudyBudget.SMALL, otherLr,
        StudyMethod.parse("gems,full"), BundledBackbone.MINILM, dir.resolve("cache"), 2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Study(changed, System.out).run());
    assertTrue(e.getMessage().contains("runs/gems/seed-5 holds a finished run trained with other options")
        && e.getMessage().contains("lr 5.0E-5 there, 0.001 in this study"), e.getMessage());
    assertEquals(modified, Files.getLastModifiedTime(metrics).toMillis());

    // a study directory that was moved keeps its runs: a run is its settings, not its path
    Path moved = dir.resolve("moved");
    Files.move(out, moved);
    ByteArrayOutputStream afterMove = new ByteArrayOutputStream();
    new Study(new Study.Options(data, moved, 2, 5, StudyBudget.SMALL, tiny, StudyMethod.parse("gems,full"), BundledBackbone.MINILM,
        dir.resolve("cache"), 2), new PrintStream(afterMove, true)).run();
    assertEquals(4, afterMove.toString().split("finished earlier, reused", -1).length - 1, afterMove.toString());
  }

  private static List<String> names(JsonNode node) {
    List<String> out = new ArrayList<>();
    node.fieldNames().forEachRemaining(out::add);
    return out;
  }
}
