package org.gemsj.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.gemsj.data.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {
  private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  @TempDir Path dir;

  static TrainLog log() {
    List<TrainLog.Step> steps = new ArrayList<>();
    for (int i = 1; i <= 60; i++) {
      Double search = i % 3 == 0 ? null : 3.0 / i + 0.1 * Math.sin(i);
      Double rec = i == 10 ? Double.NaN : 2.0 / Math.sqrt(i);
      steps.add(new TrainLog.Step(i, search, rec, 0.5 + i / 200.0, 0.5 - i / 200.0, 1e-4, 100 + i, i * 0.5));
    }
    // validation NDCG@10 search: 0.3010, 0.4307, 0.3869; rec: 0, 0, 0.3155
    List<TrainLog.Valid> valid = List.of(valid(20, 9, 30), valid(40, 4, 12), valid(60, 5, 8));
    return new TrainLog(steps, valid);
  }

  private static TrainLog.Valid valid(int step, int searchRank, int recRank) {
    return new TrainLog.Valid(step,
        Map.of(Task.SEARCH, RankingMetrics.forRank(searchRank), Task.REC, RankingMetrics.forRank(recRank)));
  }

  @Test
  void writesPlotsAndReport() throws Exception {
    Path out = dir.resolve("OUT");
    Path report = ReportWriter.write(out, log(), MetricsJsonTest.sample(), "GEMS on toy data");
    assertEquals(out.resolve("report.md"), report);
    for (String name : List.of("loss.png", "gates.png", "valid.png")) {
      byte[] bytes = Files.readAllBytes(out.resolve(name));
      assertTrue(bytes.length > 2000, name + " is only " + bytes.length + " bytes");
      assertArrayEquals(PNG, Arrays.copyOf(bytes, 8), name);
      BufferedImage img = ImageIO.read(out.resolve(name).toFile());
      assertEquals(TrainingPlots.WIDTH, img.getWidth(), name);
      assertEquals(TrainingPlots.HEIGHT, img.getHeight(), name);
      assertTrue(distinctColours(img) > 10, name + " looks blank");
    }
    String md = Files.readString(report);
    assertTrue(md.startsWith("# GEMS on toy data\n"), md);
    for (String link : List.of("](loss.png)", "](gates.png)", "](valid.png)")) {
      assertTrue(md.contains(link), link);
    }
    assertTrue(md.contains("| search | gems | 1.0000 | 0.5000 | 0.3333 |"), md);
    assertTrue(md.contains("| search | bm25 |"), md);
    assertTrue(md.contains("| rec | popularity |"), md);
    assertTrue(md.contains("best validation ndcg@10 for search: 0.4307 at step 40"), md);
    assertTrue(md.contains("best validation ndcg@10 for rec: 0.3155 at step 60"), md);
    try (var s = Files.list(out)) {
      assertEquals(4, s.count()); // no temp files left
    }
  }

  @Test
  void missingDataSkipsPlots() throws Exception {
    TrainLog onlySteps = new TrainLog(log().steps(), List.of());
    Path report = ReportWriter.write(dir, onlySteps, null, "partial");
    assertTrue(Files.exists(dir.resolve("loss.png")));
    assertFalse(Files.exists(dir.resolve("valid.png")));
    String md = Files.readString(report);
    assertFalse(md.contains("](valid.png)"));
    assertTrue(md.contains("No metrics.json yet"));
  }

  @Test
  void emaIsDebiased() {
    List<Double> s = TrainingPlots.ema(List.of(2.0, 2.0, 4.0), 0.5);
    assertEquals(2.0, s.get(0), 1e-12);
    assertEquals(2.0, s.get(1), 1e-12);
    // (0.25*2 + 0.5*... ) : weights 0.125, 0.25, 0.5 over 0.875
    assertEquals((0.125 * 2 + 0.25 * 2 + 0.5 * 4) / 0.875, s.get(2), 1e-12);
  }

  private static int distinctColours(BufferedImage img) {
    java.util.Set<Integer> c = new java.util.HashSet<>();
    for (int y = 0; y < img.getHeight(); y += 5) {
      for (int x = 0; x < img.getWidth(); x += 5) {
        c.add(img.getRGB(x, y));
      }
    }
    return c.size();
  }
}
