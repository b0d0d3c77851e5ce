package org.gemsj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The gate in front of a model: a query that cannot start before its deadline is never run; a full queue refuses. */
class ModelGateTest {
  @Test
  void aQueryWhoseDeadlinePassesWhileWaitingIsNeverRun() throws Exception {
    ModelGate gate = new ModelGate(1, 8);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newCachedThreadPool();
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try {
      Future<String> holder = hold(gate, pool, release);
      AtomicBoolean ran = new AtomicBoolean();
      Context.CancellableContext withDeadline = Context.current()
          .withDeadline(Deadline.after(200, TimeUnit.MILLISECONDS), timer);
      long start = System.nanoTime();
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> withDeadline.call(() -> gate.run(true, () -> ran.getAndSet(true))));
      long waited = (System.nanoTime() - start) / 1_000_000;
      assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
      assertFalse(ran.get(), "the late query was computed");
      assertTrue(waited >= 150 && waited < 5_000, "waited " + waited + " ms for a 200 ms deadline");
      release.countDown();
      assertEquals("held", holder.get(10, TimeUnit.SECONDS));
      assertEquals(Boolean.FALSE, gate.run(true, () -> ran.get())); // the slot is free again
    } finally {
      pool.shutdownNow();
      timer.shutdownNow();
    }
  }

  @Test
  void aFullWaitingRoomRefusesAtOnce() throws Exception {
    ModelGate gate = new ModelGate(1, 1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newCachedThreadPool();
    try {
      Future<String> holder = hold(gate, pool, release);
      Future<String> waiter = pool.submit(() -> gate.run(true, () -> "waited"));
      Thread.sleep(100); // the waiter is in the waiting room
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> gate.run(true, () -> "third"));
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().contains("1 queries waiting"), e.getStatus().getDescription());
      // a later query of a call already being answered is not refused: it waits its turn
      Future<String> later = pool.submit(() -> gate.run(false, () -> "later"));
      release.countDown();
      assertEquals("held", holder.get(10, TimeUnit.SECONDS));
      assertEquals("waited", waiter.get(10, TimeUnit.SECONDS));
      assertEquals("later", later.get(10, TimeUnit.SECONDS));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void waitingQueriesTakeTheirTurnsInOrderOfArrival() throws Exception {
    ModelGate gate = new ModelGate(1, 16);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newCachedThreadPool();
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try {
      Future<String> holder = hold(gate, pool, release);
      List<Integer> order = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
      List<Future<Boolean>> waiters = new java.util.ArrayList<>();
      for (int i = 0; i < 5; i++) {
        int n = i;
        // each with a deadline far away, so each waits in one go (a wait in slices would lose its place)
        Context.CancellableContext ctx = Context.current().withDeadline(Deadline.after(60, TimeUnit.SECONDS), timer);
        waiters.add(pool.submit(() -> ctx.call(() -> gate.run(true, () -> order.add(n)))));
        Thread.sleep(80); // arrive one after the other
      }
      release.countDown();
      holder.get(10, TimeUnit.SECONDS);
      for (Future<Boolean> w : waiters) {
        w.get(10, TimeUnit.SECONDS);
      }
      assertEquals(List.of(0, 1, 2, 3, 4), order);
    } finally {
      pool.shutdownNow();
      timer.shutdownNow();
    }
  }

  /** A query that holds the gate's one slot until {@code release}; returns once it is running. */
  private static Future<String> hold(ModelGate gate, ExecutorService pool, CountDownLatch release)
      throws InterruptedException {
    CountDownLatch holding = new CountDownLatch(1);
    Future<String> holder = pool.submit(() -> gate.run(true, () -> {
      holding.countDown();
      await(release);
      return "held";
    }));
    holding.await();
    return holder;
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
