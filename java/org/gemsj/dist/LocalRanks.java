package org.gemsj.dist;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts N ranks of a data-parallel run on this machine and watches them: `gems train --nproc N`
 * and a job whose spec asks for nproc > 1. Each rank is a child JVM on this JVM's java binary,
 * options and class path, running the same main class and arguments with the environment
 * torchrun would give it: RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR 127.0.0.1,
 * a free MASTER_PORT, and OMP_NUM_THREADS cores / N unless already set (OpenBLAS's threads
 * busy-wait, so N ranks that each start one thread per core starve each other: a basis refresh's
 * SVD tens of times slower on 2 cores, {@link org.gemsj.nativeops.BlasThreads}).
 *
 * <p>Rank 0's output is this process's; the others' go to a log each, whose end is shown when
 * that rank fails. When one rank fails the others are stopped (SIGTERM, then SIGKILL after a
 * grace), and the last line printed says which rank failed and how, as "gems train: rank R of N
 * exited with status S; ...". A SIGTERM to this process is passed on, and this process waits for
 * the ranks to stop, so all stop together with rank 0's checkpoint before it exits.
 */
public final class LocalRanks {
  // a rank's own stop waits up to 60 s for its step's checkpoint (SignalStop): wait a little longer
  private static final long GRACE_SECONDS = 75;

  private LocalRanks() {}

  /** Runs {@code mainClass args} as {@code n} ranks; returns the first failure's exit status, or 0. */
  public static int run(int n, String mainClass, List<String> args) throws IOException, InterruptedException {
    if (n < 2) {
      throw new IllegalArgumentException("local ranks: need at least 2, got " + n);
    }
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / n);
    String ompThreads = System.getenv().getOrDefault("OMP_NUM_THREADS", String.valueOf(threads));
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
    command.addAll(args);
    List<Process> ranks = new ArrayList<>();
    List<Path> logs = new ArrayList<>();
    Thread forward = new Thread(() -> stop(ranks), "gems-ranks-stop"); // SIGTERM: each rank checkpoints and stops
    Runtime.getRuntime().addShutdownHook(forward);
    try {
      StringBuilder started = new StringBuilder();
      for (int rank = 0; rank < n; rank++) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(Map.of("WORLD_SIZE", String.valueOf(n), "RANK", String.valueOf(rank),
            "LOCAL_RANK", String.valueOf(rank), "LOCAL_WORLD_SIZE", String.valueOf(n), "MASTER_ADDR", "127.0.0.1",
            "MASTER_PORT", String.valueOf(port), "OMP_NUM_THREADS", ompThreads));
        Process p;
        if (rank == 0) { // this process's streams: its stdin too, so a rank 0 of a worker sees its parent go
          p = pb.inheritIO().start();
          logs.add(null);
          started.append("rank 0 pid ").append(p.pid()).append(" (this output)");
        } else {
          Path log = Files.createTempFile("gems-rank-" + rank + "-", ".log");
          p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
          logs.add(log);
          started.append(", rank ").append(rank).append(" pid ").append(p.pid()).append(" (log ").append(log)
              .append(')');
        }
        ranks.add(p);
      }
      System.err.println("gems: started " + n + " ranks on 127.0.0.1:" + port + ", OMP_NUM_THREADS=" + ompThreads
          + " each: " + started);
      int failed = watch(ranks, logs);
      if (failed < 0) {
        logs.subList(1, n).forEach(LocalRanks::deleteQuietly);
        return 0;
      }
      int status = ranks.get(failed).exitValue();
      System.err.println("gems train: rank " + failed + " of " + n + " exited with status " + status
          + (status > 128 ? " (signal " + (status - 128) + ")" : "") + "; the other ranks were stopped"
          + (failed > 0 ? "; its log: " + logs.get(failed) : ""));
      return status;
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(forward);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: it stops the ranks
      }
    }
  }

  /** Waits for every rank; returns the first that failed (after stopping the others), or -1. */
  private static int watch(List<Process> ranks, List<Path> logs) throws IOException, InterruptedException {
    while (true) {
      boolean running = false;
      for (int rank = 0; rank < ranks.size(); rank++) {
        Process p = ranks.get(rank);
        if (p.isAlive()) {
          running = true;
        } else if (p.exitValue() != 0) {
          System.err.println("gems: rank " + rank + " exited with status " + p.exitValue() + "; stopping the others");
          if (logs.get(rank) != null) {
            List<String> lines = Files.readAllLines(logs.get(rank));
            lines.subList(Math.max(0, lines.size() - 20), lines.size()).forEach(l -> System.err.println("  " + l));
          }
          stop(ranks);
          return rank;
        }
      }
      if (!running) {
        return -1;
      }
      ranks.get(0).waitFor(200, TimeUnit.MILLISECONDS);
    }
  }

  /** SIGTERM to every rank still running, then SIGKILL to those still running after the grace. */
  private static void stop(List<Process> ranks) {
    ranks.forEach(Process::destroy);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(GRACE_SECONDS);
    for (Process p : ranks) {
      try {
        if (!p.waitFor(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void deleteQuietly(Path log) {
    try {
      Files.deleteIfExists(log);
    } catch (IOException e) {
      // a temporary file: nothing lost
    }
  }
}
