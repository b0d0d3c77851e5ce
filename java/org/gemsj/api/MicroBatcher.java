package org.gemsj.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.gemsj.model.GenerativeModel.Answer;
import org.gemsj.model.GenerativeModel.Request;

/**
 * Runs inference requests (top-k and re-rank) that arrive within a short window as one batch. No thread of its own: the
 * first request of a batch leads it, waits up to the window (or until the batch is full), takes
 * the queue's oldest requests and runs them together; the others wait for their answers, and one
 * of them leads the next batch. While the model is busy with as many batches as it runs at once,
 * the next batch keeps collecting past its window (it could not start anyway): over gRPC,
 * clients' requests arrive spread out by the network, and a batch closed at its window while
 * the model was busy ran a fraction of the requests that were waiting when it started. A request
 * alone in the batcher (no other queued, running or leading) whose previous batch held one
 * request too does not wait the window: that is a single client's next request, and there the
 * window was pure latency, 2-4 ms on an 11 ms inference. (Alone after a larger batch, it waits:
 * without that, the first of several clients to come back ran alone and the others after it,
 * which cost a fifth of the throughput at 8 clients.) A request is answered by exactly one
 * batch; an error fails the requests of its batch.
 */
final class MicroBatcher {
  /** One waiting request. */
  private record Pending(Request request, CompletableFuture<Answer> answer) {}

  /** Runs one batch: the answers in the requests' order. */
  interface Runner {
    List<Answer> run(List<Request> requests);
  }

  private final long windowNanos;
  private final int maxBatch;
  private final Runner runner;
  private final Object lock = new Object();
  private final List<Pending> queue = new ArrayList<>(); // guarded by lock
  private boolean forming; // a leader is collecting a batch; guarded by lock
  private long batches; // how many batches ran (tests); guarded by lock
  private final int parallelBatches;
  private final boolean loneRequestsWait;
  private int running; // batches being run; guarded by lock
  private int active; // requests inside submit: queued, in a running batch, or leading one; guarded by lock
  private int lastBatch; // the size of the batch taken last; guarded by lock

  /**
   * {@code parallelBatches}: batches the runner runs at once (the model's parallel calls);
   * {@code loneRequestsWait}: a lone request after a lone batch waits the window too.
   */
  MicroBatcher(Duration window, int maxBatch, int parallelBatches, boolean loneRequestsWait, Runner runner) {
    this.windowNanos = window.toNanos();
    this.loneRequestsWait = loneRequestsWait;
    this.maxBatch = maxBatch;
    this.parallelBatches = parallelBatches;
    this.runner = runner;
  }

  /** The request's answer, computed in some batch; blocks until then. */
  Answer submit(Request request) {
    Pending mine = new Pending(request, new CompletableFuture<>());
    synchronized (lock) {
      queue.add(mine);
      active++;
      lock.notifyAll(); // a batch being formed may be full now
    }
    try {
      return answer(mine);
    } finally {
      synchronized (lock) {
        active--;
      }
    }
  }

  private Answer answer(Pending mine) {
    boolean interrupted = false; // kept for the caller: a request thread still gets its answer
    while (!mine.answer().isDone()) {
      List<Pending> batch = null;
      synchronized (lock) {
        while (!mine.answer().isDone() && (forming || !queue.contains(mine))) {
          interrupted |= await(0);
        }
        if (!mine.answer().isDone()) { // lead: collect for the window and while the model is busy, then take the oldest
          forming = true;
          // alone, after a batch that was alone too: a single client's next request, no one to wait for
          long window = loneRequestsWait || active > 1 || lastBatch > 1 ? windowNanos : 0;
          long end = System.nanoTime() + window;
          for (long left = window; queue.size() < maxBatch && (left > 0 || running >= parallelBatches);
              left = end - System.nanoTime()) {
            interrupted |= await(Math.max(left, 0)); // 0: until a batch ends or a request arrives
          }
          int n = Math.min(maxBatch, queue.size());
          lastBatch = n;
          batch = new ArrayList<>(queue.subList(0, n));
          queue.subList(0, n).clear();
          forming = false;
          batches++;
          running++;
          lock.notifyAll(); // a waiting request may lead the next batch while this one runs
        }
      }
      if (batch != null) {
        run(batch);
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    try {
      return mine.answer().join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  /** Batches run so far. */
  long batches() {
    synchronized (lock) {
      return batches;
    }
  }

  private void run(List<Pending> batch) {
    try {
      List<Answer> answers = runner.run(batch.stream().map(Pending::request).toList());
      for (int i = 0; i < batch.size(); i++) {
        batch.get(i).answer().complete(answers.get(i));
      }
    } catch (RuntimeException | Error e) {
      batch.forEach(p -> p.answer().completeExceptionally(e));
    } finally {
      synchronized (lock) {
        running--;
        lock.notifyAll(); // the batch's requests wake to their answers; the next batch may start
      }
    }
  }

  /** Waits on the lock, which the caller holds (0: until notified); true when interrupted meanwhile. */
  private boolean await(long nanos) {
    try {
      if (nanos == 0) {
        lock.wait();
      } else {
        TimeUnit.NANOSECONDS.timedWait(lock, nanos);
      }
      return false;
    } catch (InterruptedException e) {
      return true; // cleared, so that the next wait waits
    }
  }
}
