package org.gemsj.worker;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.gemsj.dist.DistributedException;
import org.gemsj.eval.MetricsDoc;
import org.gemsj.train.Trainer;

/**
 * Runs a {@link Trainer} so that SIGTERM or SIGINT stops it gracefully: a shutdown hook asks the
 * trainer to stop and waits up to {@link #GRACE_SECONDS} for the current step to end and its
 * checkpoint to be written, so OUT/checkpoint holds the last completed step and a resume
 * continues the run. The JVM then exits as after a signal: 143 (TERM) or 130 (INT). A data-parallel
 * rank whose group fails after the signal (its peer was stopped or died) prints the failure's
 * line here, before the hook lets the JVM halt.
 */
public final class SignalStop {
  /** How long a signal waits for the current step's checkpoint before the JVM exits anyway. */
  public static final long GRACE_SECONDS = 60;

  private SignalStop() {}

  /** {@code trainer.run(resume, overwrite)}; TrainingStopped when a signal (or requestStop) ended it. */
  public static MetricsDoc run(Trainer trainer, boolean resume, boolean overwrite) throws Exception {
    CountDownLatch ended = new CountDownLatch(1);
    AtomicBoolean signalled = new AtomicBoolean();
    Thread onSignal = new Thread(() -> {
      signalled.set(true);
      trainer.requestStop();
      try {
        if (!ended.await(GRACE_SECONDS, TimeUnit.SECONDS)) {
          System.err.println("gems: the run did not end within " + GRACE_SECONDS + " s of the signal; exiting "
              + "(--resume continues from the last checkpoint written)");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "gems-train-stop");
    Runtime.getRuntime().addShutdownHook(onSignal);
    try {
      return trainer.run(resume, overwrite);
    } catch (DistributedException e) {
      if (signalled.get()) { // the JVM halts as soon as the hook returns: the caller may never print it
        System.err.println("gems train: " + e.getMessage());
      }
      throw e;
    } finally {
      ended.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(onSignal);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: it returns now that the run has ended
      }
    }
  }
}
