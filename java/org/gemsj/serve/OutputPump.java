package org.gemsj.serve;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Copies a worker's merged stdout/stderr to its job's worker.log and hands each line to a
 * consumer (readLine ends a line at a carriage return too, so each redraw of the progress bar,
 * about one a second, is a line). Keeps the last lines, from which a failed job's reason is taken.
 */
final class OutputPump extends Thread {
  private static final int KEEP = 40;

  private final InputStream in;
  private final Path logFile;
  private final Consumer<String> lines;
  private final Deque<String> tail = new ArrayDeque<>();

  OutputPump(String name, InputStream in, Path logFile, Consumer<String> lines) {
    super(name);
    setDaemon(true);
    this.in = in;
    this.logFile = logFile;
    this.lines = lines;
  }

  @Override
  public void run() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        OutputStream log = Files.newOutputStream(logFile, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      String line;
      while ((line = r.readLine()) != null) {
        log.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        log.flush();
        String shown = line.strip();
        if (shown.isEmpty()) {
          continue;
        }
        synchronized (tail) {
          tail.addLast(shown);
          if (tail.size() > KEEP) {
            tail.removeFirst();
          }
        }
        lines.accept(shown);
      }
    } catch (IOException e) {
      // the worker's pipe closed: its exit is handled by the runner
    }
  }

  /**
   * The line that best says why the worker failed: the CLI's own error ("gems train: ...") with,
   * when it lists errors below it (an invalid dataset's), the first of them; else the last line
   * that is not a stack frame (an exception's message).
   */
  String reason() {
    synchronized (tail) {
      String[] all = tail.toArray(new String[0]);
      for (int i = all.length - 1; i >= 0; i--) {
        if (CLI_ERROR.matcher(all[i]).lookingAt()) {
          boolean listed = i + 1 < all.length && all[i].matches(".*: \\d+ errors?$"); // DatasetException's list
          return listed ? all[i] + "; the first: " + all[i + 1].strip() : all[i];
        }
      }
      for (int i = all.length - 1; i >= 0; i--) {
        String l = all[i];
        if (!l.startsWith("at ") && !l.startsWith("...")) {
          return l;
        }
      }
      return "";
    }
  }

  /** How GemsCli starts an error message: "gems train: ". */
  private static final Pattern CLI_ERROR = Pattern.compile("gems [a-z-]+( [a-z-]+)?: ");
}
