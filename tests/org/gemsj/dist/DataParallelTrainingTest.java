package org.gemsj.dist;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.gemsj.data.synth.SyntheticData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `gems train` as torchrun starts it: two ranks (two JVMs, RANK / WORLD_SIZE / MASTER_ADDR /
 * MASTER_PORT in their environment) on loopback, each on half of every batch, end with the
 * weights one process gets from the whole batches, for gems, lora and full (dropout off, so the
 * two runs compute the same function); full's two ranks are started by `gems train --nproc 2`.
 * Only rank 0 writes OUT. The ranks get one thread each, as torchrun and --nproc give them on 2
 * cores: with a thread per core each, their busy-waiting BLAS threads starve each other.
 */
class DataParallelTrainingTest {
  @TempDir Path dir;

  @Test
  void twoRanksOnHalfBatchesEndWithTheWeightsOfOneOnWholeBatches() throws Exception {
    Path data = dir.resolve("data");
    SyntheticData.generate(data, 5, new SyntheticData.Options(40, 24, 8));
    try (TrainProcesses runs = new TrainProcesses(dir)) {
      for (String method : List.of("gems", "lora", "full")) {
        Path one = dir.resolve(method + "-1"), two = dir.resolve(method + "-2");
        runs.finish(runs.start(runs.train(method, data, one, 4), Map.of(), method + "-1"), method + "-1");
        if (method.equals("full")) { // gems train --nproc 2 starts the two ranks itself
          List<String> command = runs.train(method, data, two, 4);
          command.addAll(List.of("--nproc", "2"));
          runs.finish(runs.start(command, Map.of(), "full-2"), "full-2");
          String console = runs.read("full-2");
          assertTrue(console.contains("gems: started 2 ranks on 127.0.0.1:"), console);
          int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2); // the cores shared by 2 ranks
          assertTrue(console.contains("OMP_NUM_THREADS=" + threads + " each"), console);
        } else { // as torchrun starts them: the environment says which rank each is
          int port = TrainProcesses.freePort();
          List<Process> ranks = new ArrayList<>();
          for (int rank = 0; rank < 2; rank++) {
            ranks.add(runs.start(runs.train(method, data, two, 4), TrainProcesses.torchrunRank(rank, port),
                method + "-2." + rank));
          }
          for (int rank = 0; rank < 2; rank++) {
            runs.finish(ranks.get(rank), method + "-2." + rank);
          }
          assertTrue(runs.read(method + "-2.1").contains("rank 1 of 2 joined"));
        }
        // measured up to 6.4e-5 for gems (Adam's first steps are sign-like: tiny gradients flip with
        // rounding); with the gradients of each rank's half batch alone the difference is ~1
        TrainProcesses.assertSameWeights(one, two, 1e-3, method);
        assertTrue(Files.isRegularFile(two.resolve("metrics.json")), "rank 0 evaluated and wrote metrics.json");
      }
    }
  }
}
