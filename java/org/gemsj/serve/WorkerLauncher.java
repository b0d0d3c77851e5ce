package org.gemsj.serve;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Starts a job's worker: a child JVM running {@link WorkerMain} with the server's own class path,
 * so a native crash in training takes down the job, not the server.
 */
public final class WorkerLauncher {
  private final String java;
  private final String classPath;
  private final List<String> jvmOptions;

  public WorkerLauncher(String java, String classPath, List<String> jvmOptions) {
    this.java = java;
    this.classPath = classPath;
    this.jvmOptions = List.copyOf(jvmOptions);
  }

  /** Workers run on this JVM's java binary and class path. */
  public static WorkerLauncher ofCurrentJvm(List<String> jvmOptions) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new WorkerLauncher(java, System.getProperty("java.class.path"), jvmOptions);
  }

  /** Starts `gems {@code args}` with {@code jobDir} as working directory; stdout and stderr merged. */
  public Process start(List<String> args, Path jobDir) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(java);
    command.add("-Xss4m"); // as the tests and ./gems: deep encoder graphs in autograd
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(classPath);
    command.add(WorkerMain.class.getName());
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command).directory(jobDir.toFile()).redirectErrorStream(true);
    pb.environment().putIfAbsent("OMP_WAIT_POLICY", "PASSIVE"); // see README: spinning OpenMP threads
    return pb.start();
  }

  /**
   * The process {@code pid} if it is still alive and is a worker of {@code jobDir} (its command
   * line names both), so a reused pid is never mistaken for a worker.
   */
  public static Optional<ProcessHandle> liveWorker(long pid, Path jobDir) {
    return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(p -> {
      String cmd = p.info().commandLine().orElse("");
      return cmd.contains(WorkerMain.class.getName()) && cmd.contains(jobDir.toString() + File.separator);
    });
  }
}
