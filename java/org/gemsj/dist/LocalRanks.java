package org.gemsj.dist;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
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
 * <p>Rank 0's output is this process's; the others' go to a log each (rank-R.log in the given
 * directory, else a temporary file), whose end is shown when that rank fails. Every rank's stdin
 * is a pipe from this process, so a rank that watches it (the worker's) sees this process go.
 * When one rank fails the others are stopped (SIGTERM, then SIGKILL after {@link #GRACE_SECONDS}),
 * and the last line names the rank that failed first (a rank whose group failed because of it,
 * exit status {@link DistributedException#EXIT_STATUS}, is not blamed when another failed too):
 * "gems train: rank R of N exited with status S; ...". A SIGTERM to this process is passed on,
 * and this process waits for the ranks, so all stop together with rank 0's checkpoint.
 */
public final class LocalRanks {
  /** How long stopped ranks get before SIGKILL: a rank's own stop waits 60 s for its checkpoint (SignalStop). */
  public static final long GRACE_SECONDS = 75;

  private final List<Process> ranks = Collections.synchronizedList(new ArrayList<>());
  private final List<Integer> exitOrder = Collections.synchronizedList(new ArrayList<>());
  private volatile boolean stopping; // a signal to this process: the ranks stop, nothing failed

  private LocalRanks() {}

  /**
   * Runs {@code mainClass args} as {@code n} ranks, logs of ranks 1.. in {@code logDir} (null: temporary
   * files, deleted unless a rank failed); returns the failed rank's exit status, or 0.
   */
  public static int run(int n, String mainClass, List<String> args, Path logDir) throws IOException,
      InterruptedException {
    if (n < 2) {
      throw new IllegalArgumentException("local ranks: need at least 2, got " + n);
    }
    return new LocalRanks().start(n, mainClass, args, logDir);
  }

  private int start(int n, String mainClass, List<String> args, Path logDir) throws IOException,
      InterruptedException {
    int port = freePort();
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / n);
    String ompThreads = System.getenv().getOrDefault("OMP_NUM_THREADS", String.valueOf(threads));
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
    command.addAll(args);
    List<Path> logs = new ArrayList<>();
    Thread forward = new Thread(() -> {
      stopping = true;
      stop(); // SIGTERM: each rank checkpoints and stops
    }, "gems-ranks-stop");
    Runtime.getRuntime().addShutdownHook(forward);
    boolean watched = false;
    try {
      StringBuilder started = new StringBuilder();
      for (int rank = 0; rank < n && !stopping; rank++) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(Map.of("WORLD_SIZE", String.valueOf(n), "RANK", String.valueOf(rank),
            "LOCAL_RANK", String.valueOf(rank), "LOCAL_WORLD_SIZE", String.valueOf(n), "MASTER_ADDR", "127.0.0.1",
            "MASTER_PORT", String.valueOf(port), "OMP_NUM_THREADS", ompThreads));
        pb.redirectInput(ProcessBuilder.Redirect.PIPE);
        if (rank == 0) {
          pb.redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT);
          logs.add(null);
        } else {
          Path log = logDir != null ? logDir.resolve("rank-" + rank + ".log")
              : Files.createTempFile("gems-rank-" + rank + "-", ".log");
          pb.redirectErrorStream(true).redirectOutput(log.toFile());
          logs.add(log);
        }
        Process p = pb.start();
        int r = rank;
        p.onExit().thenRun(() -> exitOrder.add(r));
        ranks.add(p);
        if (stopping) { // the hook ran while this rank started: it missed it
          p.destroy();
        }
        started.append(rank == 0 ? "" : ", ").append("rank ").append(rank).append(" pid ").append(p.pid())
            .append(rank == 0 ? " (this output)" : " (log " + logs.get(rank) + ")");
      }
      System.err.println("gems: started " + n + " ranks on 127.0.0.1:" + port + ", OMP_NUM_THREADS=" + ompThreads
          + " each: " + started);
      int failed = watch();
      watched = true;
      if (failed < 0) {
        if (logDir == null) {
          logs.subList(1, logs.size()).forEach(LocalRanks::deleteQuietly);
        }
        return 0;
      }
      int status = ranks.get(failed).exitValue();
      String own = failed > 0 ? lastError(logs.get(failed)) : "";
      // rank 0's own error line, printed above, stays the job's reason when it is bad input
      String prefix = failed == 0 && status == 2 ? "gems: " : "gems train: ";
      System.err.println(prefix + "rank " + failed + " of " + n + " exited with status " + status
          + (status > 128 ? " (signal " + (status - 128) + ")" : "") + "; the other ranks were stopped"
          + (own.isEmpty() ? "" : "; it said: " + own) + (failed > 0 ? "; its log: " + logs.get(failed) : ""));
      return status;
    } finally {
      if (!watched) { // an exception here must not leave the ranks running unwatched
        stop();
      }
      try {
        Runtime.getRuntime().removeShutdownHook(forward);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: it stops the ranks
      }
    }
  }

  /**
   * Waits for every rank; returns the rank that failed (after stopping the others), or -1 when all
   * ended well or a signal to this process stopped them.
   */
  private int watch() throws InterruptedException {
    while (true) {
      List<Process> now;
      synchronized (ranks) {
        now = new ArrayList<>(ranks);
      }
      if (!stopping && now.stream().anyMatch(p -> !p.isAlive() && p.exitValue() != 0)) {
        List<Integer> dead = new ArrayList<>(); // before the stop: the ranks stopped below are not to blame
        for (int r = 0; r < now.size(); r++) {
          if (!now.get(r).isAlive()) {
            dead.add(r);
          }
        }
        stop();
        return culprit(now, dead);
      }
      if (now.stream().noneMatch(Process::isAlive)) {
        return -1;
      }
      Thread.sleep(200);
    }
  }

  /**
   * Which of the {@code dead} ranks (those that had exited before the others were stopped) to
   * blame: the first to exit with a failure of its own, else the first to exit with any. A rank
   * whose group failed exits with EXIT_STATUS only because another rank went away.
   */
  private int culprit(List<Process> all, List<Integer> dead) {
    List<Integer> order;
    synchronized (exitOrder) {
      order = new ArrayList<>(exitOrder);
    }
    order.retainAll(dead);
    for (int r : dead) { // an exit whose callback has not run yet comes last
      if (!order.contains(r)) {
        order.add(r);
      }
    }
    for (int r : order) {
      int s = all.get(r).exitValue();
      if (s != 0 && s != DistributedException.EXIT_STATUS) {
        return r;
      }
    }
    return order.stream().filter(r -> all.get(r).exitValue() != 0).findFirst().orElseThrow();
  }

  /** A TCP port free on this machine now, for a run's store on loopback. */
  public static int freePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** SIGTERM to every rank still running, then SIGKILL to those still running after the grace. */
  private void stop() {
    List<Process> now;
    synchronized (ranks) {
      now = new ArrayList<>(ranks);
    }
    now.forEach(Process::destroy);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(GRACE_SECONDS);
    for (Process p : now) {
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

  /** The last "gems train: ..." line of a rank's log (its own error), or "". */
  private static String lastError(Path log) {
    try {
      List<String> lines = List.of(new String(Files.readAllBytes(log), StandardCharsets.UTF_8).split("\r?\n|\r"));
      lines.subList(Math.max(0, lines.size() - 20), lines.size()).forEach(l -> System.err.println("  " + l));
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (lines.get(i).startsWith("gems train: ")) {
          return lines.get(i).substring("gems train: ".length());
        }
      }
    } catch (IOException e) {
      System.err.println("  (its log cannot be read: " + e.getMessage() + ")");
    }
    return "";
  }

  private static void deleteQuietly(Path log) {
    try {
      Files.deleteIfExists(log);
    } catch (IOException e) {
      // a temporary file: nothing lost
    }
  }
}
