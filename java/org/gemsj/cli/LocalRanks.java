package org.gemsj.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * `gems train --nproc N`: starts N ranks of a data-parallel run on this machine, each a child
 * JVM running the same `gems train` with the environment torchrun would give it (RANK,
 * WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR 127.0.0.1, a free MASTER_PORT, and
 * OMP_NUM_THREADS cores / N unless already set: OpenBLAS's threads busy-wait, so N ranks that
 * each start one thread per core starve each other, a basis refresh's SVD 50x slower on 2 cores,
 * {@link org.gemsj.nativeops.BlasThreads}), and watches them: rank 0's
 * output is this process's; the others' go to a log each, shown when they fail. When one rank
 * fails the others are stopped; a SIGTERM to this process is passed on, so the ranks stop
 * together with a checkpoint. Returns the first failure's exit status, or 0.
 */
final class LocalRanks {
  private static final long GRACE_SECONDS = 30;

  private LocalRanks() {}

  /** {@code trainArgs}: the original command line (from "train" on) without --nproc. */
  static int run(int n, List<String> trainArgs) throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), GemsCli.class.getName()));
    command.addAll(trainArgs); // the command line as given, "train" included
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / n);
    String ompThreads = System.getenv().getOrDefault("OMP_NUM_THREADS", String.valueOf(threads));
    List<Process> ranks = new ArrayList<>();
    List<Path> logs = new ArrayList<>();
    Thread forward = new Thread(() -> ranks.forEach(Process::destroy)); // SIGTERM: each rank checkpoints and stops
    Runtime.getRuntime().addShutdownHook(forward);
    try {
      for (int rank = 0; rank < n; rank++) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(Map.of("WORLD_SIZE", String.valueOf(n), "RANK", String.valueOf(rank),
            "LOCAL_RANK", String.valueOf(rank), "LOCAL_WORLD_SIZE", String.valueOf(n), "MASTER_ADDR", "127.0.0.1",
            "MASTER_PORT", String.valueOf(port), "OMP_NUM_THREADS", ompThreads));
        if (rank == 0) {
          pb.inheritIO();
          logs.add(null);
        } else {
          Path log = Files.createTempFile("gems-rank-" + rank + "-", ".log");
          pb.redirectErrorStream(true).redirectOutput(log.toFile());
          logs.add(log);
        }
        ranks.add(pb.start());
      }
      System.err.println("gems: started " + n + " ranks on 127.0.0.1:" + port + ", OMP_NUM_THREADS=" + ompThreads
          + " each (ranks 1.." + (n - 1) + " log to " + logs.subList(1, n) + ")");
      int status = 0;
      for (boolean running = true; running; ) {
        running = false;
        for (int rank = 0; rank < n; rank++) {
          Process p = ranks.get(rank);
          if (p.isAlive()) {
            running = true;
          } else if (p.exitValue() != 0 && status == 0) {
            status = p.exitValue();
            System.err.println("gems: rank " + rank + " exited with status " + status + "; stopping the others");
            if (logs.get(rank) != null) {
              List<String> lines = Files.readAllLines(logs.get(rank));
              lines.subList(Math.max(0, lines.size() - 20), lines.size()).forEach(l -> System.err.println("  " + l));
            }
            for (Process other : ranks) {
              other.destroy();
            }
          }
        }
        if (running) {
          ranks.get(0).waitFor(200, TimeUnit.MILLISECONDS);
        }
      }
      if (status != 0) {
        for (Process p : ranks) {
          if (!p.waitFor(GRACE_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
          }
        }
      }
      for (Path log : logs.subList(1, n)) {
        if (status == 0) {
          Files.deleteIfExists(log);
        }
      }
      return status;
    } finally {
      Runtime.getRuntime().removeShutdownHook(forward);
    }
  }
}
