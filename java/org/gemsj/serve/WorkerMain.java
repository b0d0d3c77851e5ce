package org.gemsj.serve;

import java.io.IOException;
import org.gemsj.cli.GemsCli;

/**
 * Entry point of a job's worker process: `gems train` plus a watch on the server. The server
 * keeps the worker's stdin open and never writes to it; end of input means the server died (the
 * kernel closes the pipe even on kill -9), and the worker exits instead of training on unwatched.
 * Exiting runs the JVM's shutdown hooks, so a training run checkpoints on the way out as on SIGTERM.
 */
public final class WorkerMain {
  /** Exit status after the server went away (as after SIGTERM). */
  public static final int ORPHANED = 143;

  private WorkerMain() {}

  public static void main(String[] args) {
    Thread watch = new Thread(() -> {
      try {
        while (System.in.read() >= 0) {
          // the server writes nothing; any byte is ignored
        }
      } catch (IOException e) {
        // a broken pipe means the same as end of input
      }
      System.err.println("gems worker: the server is gone; stopping");
      System.exit(ORPHANED);
    }, "gems-server-watch");
    watch.setDaemon(true);
    watch.start();
    GemsCli.main(args);
  }
}
