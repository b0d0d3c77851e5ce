package org.gemsj.train;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * A PrintStream that writes through to another and also hands each complete line to a sink
 * (the trainer's log reaches its listener without every log call naming the listener).
 */
final class LogLines extends OutputStream {
  private final PrintStream target;
  private final Consumer<String> sink;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();

  private LogLines(PrintStream target, Consumer<String> sink) {
    this.target = target;
    this.sink = sink;
  }

  static PrintStream tee(PrintStream target, Consumer<String> sink) {
    return new PrintStream(new LogLines(target, sink), true, StandardCharsets.UTF_8);
  }

  @Override
  public synchronized void write(int b) {
    target.write(b);
    if (b == '\n') {
      String s = line.toString(StandardCharsets.UTF_8);
      line.reset();
      sink.accept(s.endsWith("\r") ? s.substring(0, s.length() - 1) : s);
    } else {
      line.write(b);
    }
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) {
    for (int i = off; i < off + len; i++) {
      write(b[i]);
    }
  }

  @Override
  public void flush() throws IOException {
    target.flush();
  }
}
