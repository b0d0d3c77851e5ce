package org.gemsj.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.gemsj.data.synth.SyntheticData;
import org.gemsj.eval.MetricsJson;
import org.gemsj.train.RunDirectory;
import org.gemsj.train.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real worker JVM started from a config, as the study starts one: an OUT given relative to the
 * parent's directory while the worker runs elsewhere, the config it ran equal to the one written,
 * bad input answered as `gems train` answers it, with status 2.
 */
class WorkerLauncherTest {
  @TempDir Path dir;

  @Test
  void runsAFreshRunFromARelativeOutInAnotherDirectory() throws Exception {
    Path data = dir.resolve("data");
    SyntheticData.generate(data, 3, new SyntheticData.Options(60, 24, 8));
    // relative to the test's working directory (the repository root), as `gems study --out out/x` gives it
    Path base = Path.of("").toAbsolutePath();
    Path out = base.relativize(dir.resolve("run"));
    assertTrue(!out.isAbsolute());
    TrainConfig config = TrainConfig.builder(data, out).method("full").steps(2).batchSize(4).historyLength(2)
        .maxTokens(16).decoderFfn(64).evalEvery(2).checkpointEvery(2).validLimit(5).cacheDir(dir.resolve("cache"))
        .config();
    Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
    Path log = dir.resolve("worker.log");
    Process p = WorkerLauncher.ofCurrentJvm(List.of()).startFresh(config, 1, List.of(), 1, elsewhere,
        ProcessBuilder.Redirect.to(log.toFile()));
    assertEquals(0, p.waitFor(), Files.readString(log));
    RunDirectory run = new RunDirectory(dir.resolve("run"));
    assertTrue(Files.isRegularFile(run.metrics()), Files.readString(log));
    assertEquals(2, MetricsJson.read(run.metrics()).test().size()); // search and rec
    assertEquals(config.relocated(run.root()), run.readConfig().relocated(run.root()));
    assertTrue(Files.size(run.conflictLog()) > 0, "the request's conflict probes ran");
    try (var files = Files.list(elsewhere)) {
      assertEquals(0, files.count(), "nothing written into the working directory");
    }
  }

  @Test
  void badInputIsTheTrainersMessageAndStatusTwo() throws Exception {
    Path out = dir.resolve("run");
    TrainConfig config = TrainConfig.builder(dir.resolve("no-such-dataset"), out).steps(2).config();
    Path log = dir.resolve("worker.log");
    Process p = WorkerLauncher.ofCurrentJvm(List.of()).startFresh(config, 0, List.of(), 1, dir,
        ProcessBuilder.Redirect.to(log.toFile()));
    assertEquals(TrainWorker.BAD_INPUT, p.waitFor());
    String text = Files.readString(log);
    // as `gems train` answers it: the error under its name, the dataset's problem below, no stack trace
    assertTrue(text.contains("\ngems train: invalid dataset ") && text.contains("no-such-dataset: not a directory")
        && !text.contains("\tat ") && !text.contains("Exception"), text);
  }
}
