package org.gemsj.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.gemsj.data.Example;
import org.gemsj.model.ScoredItem;

/**
 * Runs top-k requests that arrive within a short window as one batch. No thread of its own: the
 * first request of a batch leads it, waits up to the window (or until the batch is full), takes
 * the queue's oldest requests and runs them together; the others wait for their answers, and one
 * of them leads the next batch. A request is answered by exactly one batch; an error fails the
 * requests of its batch.
 */
final class MicroBatcher {
  /** One waiting request. */
  private record Pending(Example example, int k, int beamWidth, CompletableFuture<List<ScoredItem>> answer) {}

  /** Runs one batch: the answers in the requests' order. */
  interface Runner {
    List<List<ScoredItem>> run(List<Example> examples, int[] k, int[] beamWidth);
  }

  private final long windowNanos;
  private final int maxBatch;
  private final Runner runner;
  private final Object lock = new Object();
  private final List<Pending> queue = new ArrayList<>(); // guarded by lock
  private boolean forming; // a leader is collecting a batch; guarded by lock
  private long batches; // how many batches ran (tests); guarded by lock

  MicroBatcher(Duration window, int maxBatch, Runner runner) {
    this.windowNanos = window.toNanos();
    this.maxBatch = maxBatch;
    this.runner = runner;
  }

  List<ScoredItem> topK(Example example, int k, int beamWidth) {
    Pending mine = new Pending(example, k, beamWidth, new CompletableFuture<>());
    boolean interrupted = false; // kept for the caller: a request thread still gets its answer
    synchronized (lock) {
      queue.add(mine);
      lock.notifyAll(); // a batch being formed may be full now
    }
    while (!mine.answer().isDone()) {
      List<Pending> batch = null;
      synchronized (lock) {
        while (!mine.answer().isDone() && (forming || !queue.contains(mine))) {
          interrupted |= await(0);
        }
        if (!mine.answer().isDone()) { // lead: collect for up to the window, then take the oldest requests
          forming = true;
          long end = System.nanoTime() + windowNanos;
          for (long left = windowNanos; queue.size() < maxBatch && left > 0; left = end - System.nanoTime()) {
            interrupted |= await(left);
          }
          int n = Math.min(maxBatch, queue.size());
          batch = new ArrayList<>(queue.subList(0, n));
          queue.subList(0, n).clear();
          forming = false;
          batches++;
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
    List<Example> examples = new ArrayList<>();
    int[] k = new int[batch.size()], beams = new int[batch.size()];
    for (int i = 0; i < batch.size(); i++) {
      examples.add(batch.get(i).example());
      k[i] = batch.get(i).k();
      beams[i] = batch.get(i).beamWidth();
    }
    try {
      List<List<ScoredItem>> answers = runner.run(examples, k, beams);
      for (int i = 0; i < batch.size(); i++) {
        batch.get(i).answer().complete(answers.get(i));
      }
    } catch (RuntimeException | Error e) {
      batch.forEach(p -> p.answer().completeExceptionally(e));
    }
    synchronized (lock) {
      lock.notifyAll(); // the batch's requests wake to their answers
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
