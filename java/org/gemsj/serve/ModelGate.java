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
 * call whose first query finds the queue full is refused at once with RESOURCE_EXHAUSTED, and one whose
 * call's deadline passes (or whose client cancels) while it waits is dropped before it is
 * computed, so an overloaded server sheds work instead of answering minutes late. Waiting
 * queries take their turns first come, first served.
 */
final class ModelGate {
  private final Semaphore running;
  private final int maxWaiting;
  private final AtomicInteger waiting = new AtomicInteger();

  ModelGate(int running, int maxWaiting) {
    this.running = new Semaphore(running, true);
    this.maxWaiting = maxWaiting;
  }

  /**
   * Runs one query of the current call when its turn comes, within the call's deadline. The
   * waiting room's limit applies to a call's {@code first} query: a call is refused at once or
   * answered whole (unless its deadline passes); its later queries still wait their turn.
   */
  <T> T run(boolean first, Supplier<T> query) throws InterruptedException {
    if (waiting.incrementAndGet() > maxWaiting && first) {
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

  /**
   * Waits in the fair semaphore's queue until a turn frees up (first come, first served), the
   * call's deadline passes (false) or its client cancels; gRPC cancels the call's context at
   * its deadline too, and a listener wakes the waiting thread then.
   */
  private boolean acquireWithinDeadline() throws InterruptedException {
    Context c = Context.current();
    Thread waiter = Thread.currentThread();
    Object guard = new Object();
    boolean[] state = {true, false}; // waiting, woken by the listener
    Context.CancellationListener wake = cancelled -> {
      synchronized (guard) {
        if (state[0]) {
          state[1] = true;
          waiter.interrupt();
        }
      }
    };
    c.addListener(wake, Runnable::run);
    try {
      if (c.isCancelled()) {
        return stopped(c);
      }
      Deadline d = c.getDeadline();
      if (d == null) {
        running.acquire();
        return true;
      }
      return running.tryAcquire(d.timeRemaining(TimeUnit.NANOSECONDS), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      if (!c.isCancelled()) {
        throw e; // not ours: the thread was interrupted
      }
      return stopped(c);
    } finally {
      synchronized (guard) {
        state[0] = false;
        if (state[1]) {
          Thread.interrupted(); // the wake-up is consumed here, not left on a server thread
        }
      }
      c.removeListener(wake);
    }
  }

  /** A cancelled call: false when its deadline passed, CANCELLED when its client went away. */
  private static boolean stopped(Context c) {
    Deadline d = c.getDeadline();
    if (d != null && d.isExpired()) {
      return false;
    }
    throw Status.CANCELLED.withDescription("the client cancelled the call").asRuntimeException();
  }
}
