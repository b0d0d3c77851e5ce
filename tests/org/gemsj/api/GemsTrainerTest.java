package org.gemsj.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.gemsj.data.synth.SyntheticData;
import org.gemsj.eval.EvalResult;
import org.gemsj.eval.MetricsDoc;
import org.gemsj.eval.MetricsJson;
import org.gemsj.eval.TrainLog;
import org.gemsj.train.TrainListener;
import org.gemsj.train.TrainingStopped;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training facade: a listener sees every step, validation, checkpoint and the end, in order
 * and agreeing with train_log.jsonl; a stop requested from the listener at step N leaves the
 * checkpoint at N, and resuming ends bit-for-bit where an uninterrupted run does.
 */
class GemsTrainerTest {
  static final int STEPS = 8, EVERY = 4, STOP_AT = 3;
  @TempDir static Path dir;
  static Recorder straight = new Recorder();
  static MetricsDoc straightDoc;

  /** Every event as a line, e.g. "step 3", "validation 4 true", "checkpoint 4", "finished". */
  static class Recorder implements TrainListener {
    final List<String> events = new ArrayList<>();
    final List<Double[]> losses = new ArrayList<>();
    final List<String> logLines = new ArrayList<>();

    @Override
    public void log(String line) {
      logLines.add(line);
    }

    @Override
    public void step(long step, long total, Double search, Double rec, double perSecond, double seconds) {
      assertEquals(STEPS, total);
      assertTrue(perSecond > 0 && seconds > 0);
      events.add("step " + step);
      losses.add(new Double[] {search, rec});
    }

    @Override
    public void validation(long step, EvalResult result, boolean improved) {
      assertTrue(result.full().size() == 2, "both tasks validated");
      events.add("validation " + step);
    }

    @Override
    public void checkpoint(long step) {
      events.add("checkpoint " + step);
    }

    @Override
    public void finished(MetricsDoc metrics) {
      events.add("finished");
    }
  }

  /** GaLore: no null space to estimate (ResumeTest covers GEMS resumes); the listener path is the same. */
  static GemsTrainer.Builder tiny(Path out) {
    return GemsTrainer.builder(dir.resolve("data"), out).method("galore").steps(STEPS).batchSize(8).seed(11).lr(3e-4).decoderLr(3e-3)
        .rankShared(16).rankTask(8).refreshInterval(3).historyLength(3).maxTokens(32).decoderFfn(256)
        .evalEvery(EVERY).checkpointEvery(EVERY).validLimit(20).cacheDir(dir.resolve("cache"));
  }

  @BeforeAll
  static void straightRun() throws Exception {
    SyntheticData.generate(dir.resolve("data"), 5, new SyntheticData.Options(60, 24, 8));
    straightDoc = tiny(dir.resolve("straight")).build().run(straight);
  }

  @Test
  void listenerSeesEveryEventInOrderAgreeingWithTheLog() throws Exception {
    List<String> expected = new ArrayList<>();
    for (int t = 1; t <= STEPS; t++) {
      expected.add("step " + t);
      if (t % EVERY == 0) {
        expected.add("validation " + t);
        expected.add("checkpoint " + t);
      }
    }
    expected.add("finished");
    assertEquals(expected, straight.events);
    List<TrainLog.Step> logged = TrainLog.read(dir.resolve("straight").resolve(TrainLog.FILE_NAME)).steps();
    for (int i = 0; i < STEPS; i++) {
      assertEquals(logged.get(i).lossSearch(), straight.losses.get(i)[0]);
      assertEquals(logged.get(i).lossRec(), straight.losses.get(i)[1]);
    }
    assertEquals(MetricsJson.read(dir.resolve("straight").resolve(MetricsJson.FILE_NAME)).test(), straightDoc.test());
    assertTrue(straight.logLines.stream().anyMatch(l -> l.startsWith("gems: loading")), "log lines reach the listener");
  }

  @Test
  void stopFromTheListenerCheckpointsThenResumeFinishesTheSameRun() throws Exception {
    Path out = dir.resolve("stopped");
    GemsTrainer trainer = tiny(out).build();
    Recorder first = new Recorder() {
      @Override
      public void step(long step, long total, Double search, Double rec, double perSecond, double seconds) {
        super.step(step, total, search, rec, perSecond, seconds);
        if (step == STOP_AT) {
          trainer.stop();
        }
      }
    };
    TrainingStopped stopped = assertThrows(TrainingStopped.class, () -> trainer.run(first));
    assertEquals(STOP_AT, stopped.step());
    assertEquals(List.of("step 1", "step 2", "step 3", "checkpoint 3"), first.events);
    assertEquals(STOP_AT, new ObjectMapper().readTree(out.resolve("checkpoint/state.json").toFile()).get("step").asLong());
    assertFalse(Files.exists(out.resolve(MetricsJson.FILE_NAME)));
    assertTrue(first.logLines.stream().anyMatch(l -> l.contains("--resume " + out)), "the log says how to resume");
    assertThrows(IllegalStateException.class, () -> trainer.run(first), "a trainer runs once");

    Recorder second = new Recorder();
    MetricsDoc doc = GemsTrainer.resume(out).run(second);
    assertEquals(List.of("step 4", "validation 4", "checkpoint 4"), second.events.subList(0, 3));
    assertEquals("finished", second.events.get(second.events.size() - 1));
    for (String f : List.of("weights.bin", "encoder-optimizer.bin", "decoder-optimizer.bin")) {
      assertArrayEquals(Files.readAllBytes(dir.resolve("straight/checkpoint").resolve(f)),
          Files.readAllBytes(out.resolve("checkpoint").resolve(f)), f + " differs from the uninterrupted run");
    }
    assertEquals(straightDoc.test(), doc.test());
  }
}
