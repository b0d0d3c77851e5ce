package org.gemsj.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gemsj.data.synth.SyntheticData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint does not depend on the number of ranks that wrote it: a GEMS run stopped by
 * SIGTERM on two ranks and continued on one, and one stopped on one rank and continued on two
 * (`--resume OUT --nproc 2`), both end with the weights of the same run left alone on one rank.
 * The stop lands wherever the signal finds the run, so the step it checkpoints at varies.
 */
class DataParallelResumeTest {
  private static final int STEPS = 6;
  private static final Pattern STOPPED = Pattern.compile("stopped on request after step (\\d+) of " + STEPS);

  @TempDir Path dir;

  @Test
  void aRunStoppedOnTwoRanksContinuesOnOneAndTheReverseEndingAsIfUninterrupted() throws Exception {
    Path data = dir.resolve("data");
    SyntheticData.generate(data, 5, new SyntheticData.Options(40, 24, 8));
    try (TrainProcesses runs = new TrainProcesses(dir)) {
      Path whole = dir.resolve("whole");
      runs.finish(runs.start(runs.train("gems", data, whole, STEPS), Map.of(), "whole"), "whole");

      // stopped on two ranks (the signal to rank 0; rank 1 learns of it at the step's agreement), continued on one
      Path twoThenOne = dir.resolve("two-then-one");
      int port = TrainProcesses.freePort();
      Process rank0 = runs.start(runs.train("gems", data, twoThenOne, STEPS), TrainProcesses.torchrunRank(0, port),
          "two-then-one.0");
      Process rank1 = runs.start(runs.train("gems", data, twoThenOne, STEPS), TrainProcesses.torchrunRank(1, port),
          "two-then-one.1");
      stopAfterFirstStep(runs, rank0, twoThenOne);
      runs.exit(rank0);
      assertEquals(0, runs.exit(rank1), runs::consoleTails);
      int at = stoppedAt(runs.read("two-then-one.0"));
      assertEquals(at, stoppedAt(runs.read("two-then-one.1")), "both ranks stop at the same step");
      List<String> continueOnOne = TrainProcesses.resume(runs.train("gems", data, twoThenOne, STEPS), twoThenOne);
      runs.finish(runs.start(continueOnOne, Map.of(), "two-then-one.resume"), "two-then-one.resume");
      TrainProcesses.assertSameWeights(whole, twoThenOne, 1e-3, "stopped at step " + at + " on 2 ranks, then 1");

      // stopped on one rank, continued on two
      Path oneThenTwo = dir.resolve("one-then-two");
      Process alone = runs.start(runs.train("gems", data, oneThenTwo, STEPS), Map.of(), "one-then-two");
      stopAfterFirstStep(runs, alone, oneThenTwo);
      runs.exit(alone);
      at = stoppedAt(runs.read("one-then-two"));
      List<String> continueOnTwo = TrainProcesses.resume(runs.train("gems", data, oneThenTwo, STEPS), oneThenTwo);
      continueOnTwo.addAll(List.of("--nproc", "2"));
      runs.finish(runs.start(continueOnTwo, Map.of(), "one-then-two.resume"), "one-then-two.resume");
      assertTrue(runs.read("one-then-two.resume").contains("gems: started 2 ranks"), runs::consoleTails);
      TrainProcesses.assertSameWeights(whole, oneThenTwo, 1e-3, "stopped at step " + at + " on 1 rank, then 2");
    }
  }

  /** SIGTERM to {@code p} once OUT's log holds its first step. */
  private static void stopAfterFirstStep(TrainProcesses runs, Process p, Path out) throws Exception {
    Path log = out.resolve("train_log.jsonl");
    for (long end = System.nanoTime() + 300_000_000_000L; System.nanoTime() < end; ) {
      if (Files.isRegularFile(log) && Files.readString(log).contains("\"type\":\"step\"")) {
        p.destroy();
        return;
      }
      if (!p.isAlive()) {
        fail("the run ended before its first step was logged:\n" + runs.consoleTails());
      }
      Thread.sleep(100);
    }
    fail("no step logged within 300 s:\n" + runs.consoleTails());
  }

  /** The step a stopped run checkpointed, from its console; it must be before the last. */
  private static int stoppedAt(String console) {
    Matcher m = STOPPED.matcher(console);
    assertTrue(m.find(), () -> "not stopped on request:\n" + console);
    int step = Integer.parseInt(m.group(1));
    assertTrue(step >= 1 && step < STEPS, "stopped at step " + step);
    return step;
  }
}
