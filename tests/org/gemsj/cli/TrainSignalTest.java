package org.gemsj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.gemsj.api.GemsTrainer;
import org.gemsj.data.synth.SyntheticData;
import org.gemsj.eval.TrainLog;
import org.gemsj.train.TrainListener;
import org.gemsj.train.TrainingStopped;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `gems train` in a child JVM, sent SIGTERM mid-run (what a worker does to cancel): it exits 143
 * after checkpointing its last completed step, says how to resume, and a resume continues from
 * the next step.
 */
class TrainSignalTest {
  @TempDir Path dir;

  @Test
  void sigtermCheckpointsTheLastStepAndResumeContinues() throws Exception {
    Path data = dir.resolve("data"), out = dir.resolve("out"), console = dir.resolve("console.txt");
    SyntheticData.generate(data, 5, new SyntheticData.Options(60, 24, 8));
    String classpath = Path.of("target/classes").toAbsolutePath() + java.io.File.pathSeparator
        + Files.readString(Path.of("target/classpath.txt")).trim();
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xss4m", "-cp", classpath, GemsCli.class.getName(), "train", "--data", data.toString(), "--out",
        out.toString(), "--method", "galore", "--steps", "500", "--batch-size", "8", "--history", "3", "--max-tokens",
        "32", "--decoder-ffn", "256", "--rank-shared", "16", "--eval-every", "400", "--checkpoint-every", "400",
        "--valid-limit", "20", "--cache-dir", dir.resolve("cache").toString()));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(console.toFile());
    pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
    Process child = pb.start();
    Path log = out.resolve(TrainLog.FILE_NAME);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (stepsLogged(log) < 2) { // a few steps done, none checkpointed yet (every 400)
      assertTrue(child.isAlive(), () -> "gems train ended early:\n" + read(console));
      assertTrue(System.nanoTime() < deadline, "no training steps within 120 s");
      Thread.sleep(100);
    }
    child.destroy(); // SIGTERM
    assertTrue(child.waitFor(90, TimeUnit.SECONDS), "gems train did not exit within 90 s of SIGTERM");
    String printed = read(console);
    assertEquals(143, child.exitValue(), printed);

    long checkpointed = new ObjectMapper().readTree(out.resolve("checkpoint/state.json").toFile()).get("step").asLong();
    List<TrainLog.Step> steps = TrainLog.read(log).steps();
    assertEquals(steps.get(steps.size() - 1).step(), checkpointed, "the checkpoint holds the last logged step");
    assertTrue(checkpointed >= 2 && checkpointed < 500, "stopped at " + checkpointed);
    assertTrue(printed.contains("stopped on request after step " + checkpointed + " of 500"), printed);
    assertTrue(printed.contains("--resume " + out), printed);

    // --resume reads the same saved config: it continues at the next step (stopped again right there)
    GemsTrainer resumed = GemsTrainer.resume(out);
    List<Long> seen = new ArrayList<>();
    TrainingStopped again = assertThrows(TrainingStopped.class, () -> resumed.run(new TrainListener() {
      @Override
      public void step(long step, long total, Double search, Double rec, double perSecond, double seconds) {
        seen.add(step);
        resumed.stop();
      }
    }));
    assertEquals(List.of(checkpointed + 1), seen);
    assertEquals(checkpointed + 1, again.step());
  }

  private static long stepsLogged(Path log) throws Exception {
    return Files.exists(log) ? Files.readAllLines(log).stream().filter(l -> l.contains("\"type\":\"step\"")).count() : 0;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (Exception e) {
      return "(unreadable: " + e + ")";
    }
  }
}
