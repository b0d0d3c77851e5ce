package org.gemsj.worker;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.gemsj.train.RunDirectory;
import org.gemsj.train.TrainConfig;

/**
 * Starts {@link TrainWorker}s: child JVMs on this JVM's java binary and class path, so a native
 * crash in training ends that run, not the job server or the study, and a run's peak memory is
 * its own. The one place that knows a worker's command line and environment.
 */
public final class WorkerLauncher {
  private static final List<String> LAUNCH_VARIABLES = List.of("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE",
      "MASTER_ADDR", "MASTER_PORT");
  private final String java;
  private final String classPath;
  private final List<String> jvmOptions;
  private final Map<String, String> environment;

  public WorkerLauncher(String java, String classPath, List<String> jvmOptions, Map<String, String> environment) {
    this.java = java;
    this.classPath = classPath;
    this.jvmOptions = List.copyOf(jvmOptions);
    this.environment = Map.copyOf(environment);
  }

  /**
   * Workers on this JVM's java binary and class path, with {@code jvmOptions} (e.g. -Xmx8g). The
   * class path's entries are made absolute: a worker runs in another working directory.
   */
  public static WorkerLauncher ofCurrentJvm(List<String> jvmOptions) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(e -> !e.isEmpty()).map(e -> Path.of(e).toAbsolutePath().toString())
        .collect(Collectors.joining(File.pathSeparator));
    return new WorkerLauncher(java, classPath, jvmOptions, Map.of());
  }

  /** This JVM's own heap and stack settings (-Xmx, -Xms, -Xss), for workers that should have the same. */
  public static List<String> currentMemoryOptions() {
    return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("-Xmx") || a.startsWith("-Xss") || a.startsWith("-Xms")).toList();
  }

  /** This launcher with {@code variables} added to the workers' environment. */
  public WorkerLauncher withEnvironment(Map<String, String> variables) {
    Map<String, String> merged = new LinkedHashMap<>(environment);
    merged.putAll(variables);
    return new WorkerLauncher(java, classPath, jvmOptions, merged);
  }

  /**
   * Starts a fresh run of {@code config} (into {@code config.out()}, replacing an earlier run's
   * files there) on {@code nproc} local ranks (1: one process): deletes those, writes its
   * train_config.json, then starts the worker. The old
   * checkpoint goes first, so a parent killed before the worker starts never leaves the new
   * settings beside an old checkpoint that a later resume would continue.
   */
  public Process startFresh(TrainConfig config, int conflictEvery, List<Path> dataRoots, int nproc, Path workingDir,
      ProcessBuilder.Redirect output) throws IOException {
    RunDirectory run = new RunDirectory(config.out());
    Files.createDirectories(run.root());
    run.startFresh(config);
    return start(run, new WorkerRequest(false, conflictEvery, dataRoots, nproc), workingDir, output);
  }

  /**
   * Continues the run in {@code out} from its checkpoint, with the settings it started with (the
   * callers have read them already; a worker that cannot says so in its output).
   */
  public Process startResume(Path out, int conflictEvery, List<Path> dataRoots, int nproc, Path workingDir,
      ProcessBuilder.Redirect output) throws IOException {
    RunDirectory run = new RunDirectory(out);
    return start(run, new WorkerRequest(true, conflictEvery, dataRoots, nproc), workingDir, output);
  }

  private Process start(RunDirectory run, WorkerRequest request, Path workingDir, ProcessBuilder.Redirect output)
      throws IOException {
    request.write(run);
    List<String> command = new ArrayList<>();
    command.add(java);
    command.add("-Xss4m"); // as the tests and ./gems: deep encoder graphs in autograd
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(classPath);
    command.add(TrainWorker.class.getName());
    command.add(run.root().toAbsolutePath().toString()); // the worker runs in workingDir: a relative OUT would miss
    ProcessBuilder pb = new ProcessBuilder(command).directory(workingDir.toFile()).redirectErrorStream(true)
        .redirectOutput(output);
    pb.environment().putIfAbsent("OMP_WAIT_POLICY", "PASSIVE"); // see README: spinning OpenMP threads
    // a server started under torchrun must not make its workers ranks of that run: a worker of
    // nproc > 1 starts its own ranks, and tells them apart from itself by these
    pb.environment().keySet().removeIf(v -> LAUNCH_VARIABLES.contains(v) || v.startsWith("TORCHELASTIC_"));
    pb.environment().putAll(environment);
    return pb.start(); // stdin stays a pipe the parent never writes to: its end tells the worker the parent died
  }

  /**
   * The process {@code pid} if it is still alive and is a worker of a run inside {@code dir} (its
   * command line names both), so a reused pid is never mistaken for a worker.
   */
  public static Optional<ProcessHandle> liveWorker(long pid, Path dir) {
    return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(p -> {
      String cmd = p.info().commandLine().orElse("");
      return cmd.contains(TrainWorker.class.getName()) && cmd.contains(dir.toString() + File.separator);
    });
  }
}
