package org.gemsj.study;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs `gems train` in a child JVM (same Java, same classpath): a run's peak memory is its own,
 * and a native crash ends that run, not the study. Its output (log and progress bar) goes to a
 * file in the run directory. The child dies with the study.
 *
 * <p>Each child computes on one thread (OMP_NUM_THREADS=1, OPENBLAS_NUM_THREADS=1) and the study
 * runs several at once: on a small shared machine, multi-threaded libtorch/OpenBLAS runs that
 * compete for cores spin-wait and slow down several-fold, while single-threaded runs side by side
 * keep every core busy (docs/RESULTS.md).
 */
final class RunLauncher {
  /** How a run's process ended. */
  record Outcome(int exitCode, double wallSeconds) {}

  private RunLauncher() {}

  /** Runs `gems train ARGS`, its output into {@code outputFile} (appended to when {@code append}). */
  static Outcome train(List<String> trainArgs, Path outputFile, boolean append) throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(List.of(java));
    // the study's own memory and stack settings (-Xmx, -Xss) apply to its runs too
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("-Xmx") || a.startsWith("-Xss") || a.startsWith("-Xms")).forEach(command::add);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.gemsj.cli.GemsCli", "train"));
    command.addAll(trainArgs);
    ProcessBuilder pb = new ProcessBuilder(command)
        .redirectOutput(append ? ProcessBuilder.Redirect.appendTo(outputFile.toFile())
            : ProcessBuilder.Redirect.to(outputFile.toFile()))
        .redirectErrorStream(true);
    pb.environment().put("OMP_NUM_THREADS", "1");
    pb.environment().put("OPENBLAS_NUM_THREADS", "1");
    pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
    long start = System.nanoTime();
    Process p = pb.start();
    Thread reaper = new Thread(p::destroy); // the study interrupted: its run goes too
    Runtime.getRuntime().addShutdownHook(reaper);
    try {
      int code = p.waitFor();
      return new Outcome(code, (System.nanoTime() - start) / 1e9);
    } catch (InterruptedException e) {
      p.destroy(); // the study is stopping its runs (another one failed): this one goes too
      throw e;
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(reaper);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running already
      }
    }
  }
}
