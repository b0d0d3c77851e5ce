package org.gemsj.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.gemsj.cli.GemsCli;
import org.gemsj.model.ParamFile;
import org.gemsj.model.Params;
import org.gemsj.torch.Tensors;

/**
 * `gems train` JVMs for the data-parallel tests: started as the CLI is (alone, as torchrun's
 * ranks, or with --nproc), each printing into DIR/NAME.txt, waited for with the consoles shown on
 * failure, and killed by {@link #close()} when a test fails before they end.
 */
final class TrainProcesses implements AutoCloseable {
  private static final long WAIT_SECONDS = 600;
  private final Path dir;
  private final List<Process> started = new ArrayList<>();

  TrainProcesses(Path dir) {
    this.dir = dir;
  }

  /**
   * A small run's command line: the synthetic dataset, dropout off (so that 1 and 2 ranks compute
   * the same function), a collective timeout that fails a stuck rank well inside the test's wait.
   */
  List<String> train(String method, Path data, Path out, int steps) {
    String classpath = Path.of("target/classes").toAbsolutePath() + File.pathSeparator + readClasspath();
    return new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xss4m",
        "-cp", classpath, GemsCli.class.getName(), "train", "--data", data.toString(), "--out", out.toString(),
        "--method", method, "--steps", String.valueOf(steps), "--batch-size", "8", "--seed", "3", "--lr", "1e-3",
        "--decoder-lr", "1e-2", "--history", "3", "--max-tokens", "32", "--decoder-ffn", "64", "--rank-shared", "8",
        "--rank-task", "4", "--refresh", "2", "--eval-every", String.valueOf(steps), "--checkpoint-every",
        String.valueOf(steps), "--valid-limit", "10", "--dropout", "0", "--lora-dropout", "0", "--cache-dir",
        dir.resolve("cache").toString(), "--dist-timeout-s", "240"));
  }

  /** {@code train(...)} continuing OUT instead: the java command and "train --resume OUT". */
  static List<String> resume(List<String> train, Path out) {
    List<String> command = new ArrayList<>(train.subList(0, train.indexOf("train") + 1));
    command.addAll(List.of("--resume", out.toString()));
    return command;
  }

  private static String readClasspath() {
    try {
      return Files.readString(Path.of("target/classpath.txt")).trim();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The environment torchrun gives rank {@code rank} of 2 on one machine of 2 cores. */
  static Map<String, String> torchrunRank(int rank, int port) {
    return Map.of("WORLD_SIZE", "2", "RANK", String.valueOf(rank), "LOCAL_RANK", String.valueOf(rank),
        "LOCAL_WORLD_SIZE", "2", "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", String.valueOf(port), "OMP_NUM_THREADS",
        "1");
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /**
   * Starts {@code command} with {@code env} over a clean launch environment and one thread;
   * output into DIR/{@code name}.txt.
   */
  Process start(List<String> command, Map<String, String> env, String name) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(console(name).toFile());
    pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
    pb.environment().keySet().removeAll(List.of("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR",
        "MASTER_PORT", "OMP_NUM_THREADS"));
    if (!command.contains("--nproc")) { // --nproc chooses its ranks' threads itself
      // one thread, as each rank has: a run's busy-waiting BLAS threads on a loaded machine made
      // one step take minutes, while the other run's took a second
      pb.environment().put("OMP_NUM_THREADS", "1");
    }
    pb.environment().putAll(env);
    Process p = pb.start();
    started.add(p);
    return p;
  }

  Path console(String name) {
    return dir.resolve(name + ".txt");
  }

  String read(String name) throws IOException {
    return Files.readString(console(name));
  }

  /** Waits for {@code p} to exit; returns its status. */
  int exit(Process p) throws InterruptedException {
    assertTrue(p.waitFor(WAIT_SECONDS, TimeUnit.SECONDS), () -> "no exit within " + WAIT_SECONDS
        + " s; the consoles end:\n" + consoleTails());
    return p.exitValue();
  }

  /** Waits for {@code p} and asserts that it succeeded, showing its console when not. */
  void finish(Process p, String name) throws Exception {
    int status = exit(p);
    assertEquals(0, status, () -> name + " failed; the consoles end:\n" + consoleTails());
  }

  /** The last 1500 characters of every console. */
  String consoleTails() {
    StringBuilder out = new StringBuilder();
    try (var files = Files.list(dir)) {
      for (Path f : files.filter(f -> f.toString().endsWith(".txt")).sorted().toList()) {
        String text = Files.readString(f);
        out.append("== ").append(f.getFileName()).append('\n')
            .append(text, Math.max(0, text.length() - 1500), text.length()).append('\n');
      }
    } catch (IOException e) {
      out.append(e);
    }
    return out.toString();
  }

  /**
   * Asserts that the models in runs {@code a} and {@code b} have the same weights, per tensor
   * within {@code bound} relative to the norm of a's.
   */
  static void assertSameWeights(Path a, Path b, double bound, String what) throws IOException {
    try (PointerScope scope = new PointerScope()) {
      Params x = ParamFile.read(a.resolve("model/weights.bin")), y = ParamFile.read(b.resolve("model/weights.bin"));
      assertEquals(x.names(), y.names(), what);
      double worst = 0;
      String where = "";
      for (String name : x.names()) {
        // softmax ignores a key's bias, so its gradient is rounding noise, which Adam scales up to
        // lr-sized steps: the two runs move it by different noise (and the decoder's starts at 0)
        if (name.endsWith("key.bias")) {
          continue;
        }
        Tensor u = x.get(name), v = y.get(name);
        double d = Tensors.norm(u.sub(v)) / Math.max(1e-6, Tensors.norm(u));
        if (d > worst) {
          worst = d;
          where = name;
        }
      }
      assertTrue(worst < bound, what + ": worst relative difference " + worst + " in " + where);
    }
  }

  @Override
  public void close() {
    for (Process p : started) { // a failed assertion must not leave ranks running (--nproc's are grandchildren)
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }
}
