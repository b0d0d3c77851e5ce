package org.gemsj.serve;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The server's admission control in front of one model: at most {@code running} inferences at
 * once (the model's parallel calls), at most {@code maxWaiting} queries waiting for a turn. A
 * query that finds the queue full is refused at once with RESOURCE_EXHAUSTED, and one whose
 * call's deadline passes (or whose client cancels) while it waits is dropped before it is
 * computed, so an overloaded server sheds work instead of answering minutes late.
 */
final class ModelGate {
  private final Semaphore running;
  private final int maxWaiting;
  private final AtomicInteger waiting = new AtomicInteger();

  ModelGate(int running, int maxWaiting) {
    this.running = new Semaphore(running, true);
    this.maxWaiting = maxWaiting;
  }

  /** Runs one query of the current call when its turn comes, within the call's deadline. */
  <T> T run(Supplier<T> query) throws InterruptedException {
    if (waiting.incrementAndGet() > maxWaiting) {
      waiting.decrementAndGet();
      throw Status.RESOURCE_EXHAUSTED.withDescription("the model has " + maxWaiting + " queries waiting already "
          + "(gems serve --max-waiting); retry later").asRuntimeException();
    }
    boolean admitted;
    try {
      admitted = acquireWithinDeadline();
    } finally {
      waiting.decrementAndGet();
    }
    if (!admitted) {
      throw Status.DEADLINE_EXCEEDED.withDescription("the call's deadline passed while its query waited for the "
          + "model; it was not computed").asRuntimeException();
    }
    try {
      if (Context.current().isCancelled()) {
        throw Status.CANCELLED.withDescription("the client cancelled the call").asRuntimeException();
      }
      return query.get();
    } finally {
      running.release();
    }
  }

  /** Waits for a turn in slices, so a cancelled call stops waiting too; false when the deadline passed. */
  private boolean acquireWithinDeadline() throws InterruptedException {
    Context c = Context.current();
    Deadline d = c.getDeadline();
    while (true) {
      if (c.isCancelled()) {
        throw Status.CANCELLED.withDescription("the client cancelled the call").asRuntimeException();
      }
      long left = d == null ? Long.MAX_VALUE : d.timeRemaining(TimeUnit.MILLISECONDS);
      if (left <= 0) {
        return false;
      }
      if (running.tryAcquire(Math.min(left, 50), TimeUnit.MILLISECONDS)) {
        return true;
      }
    }
  }
}
