package org.gemsj.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.gemsj.data.Example;
import org.gemsj.data.Task;
import org.gemsj.model.GenerativeModel.Answer;
import org.gemsj.model.GenerativeModel.Request;
import org.gemsj.model.ScoredItem;
import org.junit.jupiter.api.Test;

/**
 * The batcher's scheduling, over a runner that answers each request from its own input (its
 * user id, k and beam echoed back) and records the batches it was given: GemsModelTest checks
 * the answers of the real model in batches.
 */
class MicroBatcherTest {
  /** A runner that answers every request with its own inputs, records each batch, and can be held. */
  private static final class EchoRunner implements MicroBatcher.Runner {
    final List<List<String>> batches = Collections.synchronizedList(new ArrayList<>());
    volatile CountDownLatch hold = new CountDownLatch(0);
    final CountDownLatch firstStarted = new CountDownLatch(1);

    @Override
    public List<Answer> run(List<Request> requests) {
      batches.add(requests.stream().map(q -> q.example().user()).toList());
      firstStarted.countDown();
      try {
        hold.await();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      List<Answer> answers = new ArrayList<>();
      for (Request q : requests) {
        answers.add(new Answer(List.of(new ScoredItem(q.example().user(), q.k() * 1000 + q.beamWidth())), null));
      }
      return answers;
    }
  }

  private static List<ScoredItem> topK(MicroBatcher b, String user, int k, int beamWidth) {
    return b.submit(Request.topK(new Example(user, Task.REC, List.of("i1"), null, null, 0), k, beamWidth)).top();
  }

  /** Requests that arrive while the model is busy, long after the window, run together as the next batch. */
  @Test
  void requestsArrivingWhileTheModelIsBusyJoinTheNextBatch() throws Exception {
    EchoRunner runner = new EchoRunner();
    runner.hold = new CountDownLatch(1);
    MicroBatcher b = new MicroBatcher(Duration.ofMillis(1), 8, 1, false, runner);
    ExecutorService pool = Executors.newCachedThreadPool();
    try {
      Future<List<ScoredItem>> first = pool.submit(() -> topK(b, "u0", 3, 20));
      assertTrue(runner.firstStarted.await(30, TimeUnit.SECONDS), "the first batch started");
      List<Future<List<ScoredItem>>> later = new ArrayList<>();
      int n = 3 + new Random().nextInt(5); // 3..7, one at a time, each well past the 1 ms window
      for (int i = 1; i <= n; i++) {
        int user = i;
        later.add(pool.submit(() -> topK(b, "u" + user, user, 20 + user)));
        Thread.sleep(15);
      }
      runner.hold.countDown();
      assertEquals(List.of(new ScoredItem("u0", 3 * 1000 + 20)), first.get(30, TimeUnit.SECONDS));
      for (int i = 1; i <= n; i++) {
        assertEquals(List.of(new ScoredItem("u" + i, i * 1000 + 20 + i)), later.get(i - 1).get(30, TimeUnit.SECONDS),
            "request " + i + " gets its own answer");
      }
      assertEquals(2, runner.batches.size(), "batches: " + runner.batches);
      assertEquals(List.of("u0"), runner.batches.get(0));
      assertEquals(n, runner.batches.get(1).size(), "every request that waited ran in the second batch: "
          + runner.batches);
    } finally {
      pool.shutdownNow();
    }
  }

  /** A request alone in the batcher does not wait the window: with a window of minutes it is answered at once. */
  @Test
  void aLoneRequestDoesNotWaitTheWindow() throws Exception {
    EchoRunner runner = new EchoRunner();
    MicroBatcher b = new MicroBatcher(Duration.ofMinutes(10), 8, 1, false, runner);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      for (int i = 0; i < 3; i++) { // one after another, as a single client sends them
        int user = i;
        assertEquals(List.of(new ScoredItem("u" + i, 1000 + 20)),
            pool.submit(() -> topK(b, "u" + user, 1, 20)).get(60, TimeUnit.SECONDS), "answered within a minute");
      }
      assertEquals(3, runner.batches.size());
    } finally {
      pool.shutdownNow();
    }
  }

  /** With loneRequestsWait, a single client's every request waits the window (a lower bound, so not timing-flaky). */
  @Test
  void loneRequestsWaitTheWindowWhenTheyAreToldTo() throws Exception {
    EchoRunner runner = new EchoRunner();
    MicroBatcher b = new MicroBatcher(Duration.ofMillis(150), 8, 1, true, runner);
    long start = System.nanoTime();
    for (int i = 0; i < 3; i++) {
      assertEquals(List.of(new ScoredItem("u" + i, 1000 + 20)), topK(b, "u" + i, 1, 20));
    }
    assertTrue(System.nanoTime() - start >= 3 * 150_000_000L, "each of 3 lone requests waited 150 ms");
    assertEquals(3, runner.batches.size());
  }

  /** A lone request is answered; requests arriving together run in batches no larger than the largest, each once. */
  @Test
  void batchesHoldEachRequestOnceAndNoMoreThanMaxBatch() throws Exception {
    EchoRunner runner = new EchoRunner();
    int max = 2 + new Random().nextInt(3);
    MicroBatcher b = new MicroBatcher(Duration.ofMillis(20), max, 1, false, runner);
    ExecutorService pool = Executors.newCachedThreadPool();
    try {
      assertEquals(List.of(new ScoredItem("alone", 5 * 1000 + 20)), topK(b, "alone", 5, 20));
      CountDownLatch go = new CountDownLatch(1);
      List<Future<List<ScoredItem>>> answers = new ArrayList<>();
      int n = 3 * max + 1;
      for (int i = 0; i < n; i++) {
        int user = i;
        answers.add(pool.submit(() -> {
          go.await();
          return topK(b, "u" + user, 1 + user % 4, 20);
        }));
      }
      go.countDown();
      for (int i = 0; i < n; i++) {
        assertEquals(List.of(new ScoredItem("u" + i, (1 + i % 4) * 1000 + 20)), answers.get(i).get(30, TimeUnit.SECONDS));
      }
      List<String> seen = new ArrayList<>();
      for (List<String> batch : runner.batches) {
        assertTrue(batch.size() <= max, "a batch of " + batch.size() + " > " + max + ": " + runner.batches);
        seen.addAll(batch);
      }
      assertEquals(n + 1, seen.size(), "each request ran exactly once: " + runner.batches);
      assertEquals(n + 1, seen.stream().distinct().count(), "each request ran exactly once: " + runner.batches);
    } finally {
      pool.shutdownNow();
    }
  }
}
