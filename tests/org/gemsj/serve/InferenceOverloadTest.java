package org.gemsj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.gemsj.api.GemsModel;
import org.gemsj.data.Dataset;
import org.gemsj.model.GenerativeModel;
import org.gemsj.model.ItemIds;
import org.gemsj.model.ModelFactory;
import org.gemsj.model.ModelStore;
import org.gemsj.serve.proto.InferenceServiceGrpc;
import org.gemsj.serve.proto.SearchQuery;
import org.gemsj.serve.proto.SearchRequest;
import org.gemsj.serve.proto.SearchResponse;
import org.gemsj.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deadlines and overload over a real loopback socket, with a model that runs one query at a
 * time: a call whose deadline passes while it waits behind a crowd ends DEADLINE_EXCEEDED at its
 * deadline, long before the crowd would have let it run (it is dropped, not computed late), and
 * once the model's waiting room is full further queries are refused at once with
 * RESOURCE_EXHAUSTED while the others are answered.
 */
class InferenceOverloadTest {
  @TempDir Path dir;

  @Test
  void waitingQueriesAreDroppedAtTheirDeadlineAndAFullQueueRefuses() throws Exception {
    saveModel(3);
    ExecutorService pool = Executors.newCachedThreadPool();
    try {
      // a crowd queued ahead: a call with a short deadline waits behind it and is dropped at the deadline
      try (GemsServer server = GemsServer.start(config(256))) {
        ManagedChannel ch = GemsClient.channel("127.0.0.1:" + server.port(), ServeFixtures.TOKEN, null, null);
        try {
          var stub = InferenceServiceGrpc.newBlockingStub(ch);
          stub.search(one("warm-up")); // model loaded, JIT warm
          long t0 = System.nanoTime();
          stub.search(one("timing"));
          long perQueryMs = Math.max(1, (System.nanoTime() - t0) / 1_000_000);
          long deadlineMs = Math.max(300, 3 * perQueryMs);
          int crowd = (int) Math.min(250, Math.max(40, 10 * deadlineMs / perQueryMs)); // >= 10 deadlines of work
          List<Future<SearchResponse>> ahead = new ArrayList<>();
          for (int i = 0; i < crowd; i++) {
            ahead.add(pool.submit(() -> stub.withDeadlineAfter(600, TimeUnit.SECONDS).search(one("ahead"))));
          }
          Thread.sleep(200); // the crowd is queued
          long start = System.nanoTime();
          StatusRuntimeException late = assertCode(Status.Code.DEADLINE_EXCEEDED,
              () -> stub.withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS).search(one("late")));
          long waited = (System.nanoTime() - start) / 1_000_000;
          long stillQueued = ahead.stream().filter(f -> !f.isDone()).count();
          assertTrue(stillQueued > 0, "the crowd was still being answered when the late call ended");
          assertTrue(waited < deadlineMs + 2_000, "dropped at its deadline (" + deadlineMs + " ms), not after the crowd: "
              + waited + " ms");
          for (Future<SearchResponse> f : ahead) {
            assertEquals(1, f.get(600, TimeUnit.SECONDS).getResultsCount()); // everyone ahead is answered
          }
          String why = late.getStatus().getDescription();
          assertTrue(why == null || why.contains("deadline"), why);
        } finally {
          ch.shutdownNow();
        }
      }

      // more queries than the waiting room holds while a long batch holds the model: the surplus is refused at once
      int maxWaiting = 2;
      try (GemsServer server = GemsServer.start(config(maxWaiting))) {
        ManagedChannel ch = GemsClient.channel("127.0.0.1:" + server.port(), ServeFixtures.TOKEN, null, null);
        try {
          var stub = InferenceServiceGrpc.newBlockingStub(ch);
          stub.search(one("warm-up"));
          SearchRequest.Builder longBatch = SearchRequest.newBuilder().setModel("m").setK(3);
          for (int i = 0; i < 150; i++) {
            longBatch.addQueries(SearchQuery.newBuilder().setQuery("tent " + i));
          }
          Future<SearchResponse> batch = pool.submit(() -> stub.withDeadlineAfter(600, TimeUnit.SECONDS)
              .search(longBatch.build()));
          Thread.sleep(300); // the batch is running
          List<CompletableFuture<Status.Code>> calls = new ArrayList<>();
          for (int i = 0; i < 8; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> {
              try {
                stub.withDeadlineAfter(600, TimeUnit.SECONDS).search(one("crowd"));
                return Status.Code.OK;
              } catch (StatusRuntimeException e) {
                return e.getStatus().getCode();
              }
            }, pool));
          }
          int refused = 0, answered = 0;
          for (CompletableFuture<Status.Code> c : calls) {
            Status.Code code = c.get(600, TimeUnit.SECONDS);
            if (code == Status.Code.RESOURCE_EXHAUSTED) {
              refused++;
            } else {
              assertEquals(Status.Code.OK, code);
              answered++;
            }
          }
          // at most maxWaiting wait at a time (the batch's next query may be one of them)
          assertTrue(refused >= 8 - maxWaiting && answered >= 1, refused + " refused, " + answered + " answered");
          assertEquals(150, batch.get(600, TimeUnit.SECONDS).getResultsCount(), "the batch itself is answered whole");
        } finally {
          ch.shutdownNow();
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private ServerConfig config(int maxWaiting) {
    return new ServerConfig("127.0.0.1", 0, dir.resolve("server-" + maxWaiting), List.of(dir.resolve("root")),
        List.of(ServeFixtures.TOKEN), false, null, null, Map.of("m", dir.resolve("model")),
        new JobRunner.Options(1, 3, Duration.ofSeconds(20), 3), ServerConfig.DEFAULT_MAX_MESSAGE_BYTES, List.of(),
        GemsModel.Policy.DEFAULT,
        maxWaiting);
  }

  /** With micro-batching on, concurrent calls over the socket are batched and answered as the model answers alone. */
  @Test
  void batchedCallsOverTheSocketAnswerAsAlone() throws Exception {
    saveModel(5);
    ServerConfig config = new ServerConfig("127.0.0.1", 0, dir.resolve("server-batched"), List.of(dir.resolve("root")),
        List.of(ServeFixtures.TOKEN), false, null, null, Map.of("m", dir.resolve("model")),
        new JobRunner.Options(1, 3, Duration.ofSeconds(20), 3), ServerConfig.DEFAULT_MAX_MESSAGE_BYTES, List.of(),
        new GemsModel.Policy(1, Duration.ofMillis(40), 8), ServerConfig.DEFAULT_MAX_WAITING);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try (GemsServer server = GemsServer.start(config); GemsModel alone = GemsModel.load(dir.resolve("model"))) {
      ManagedChannel ch = GemsClient.channel("127.0.0.1:" + server.port(), ServeFixtures.TOKEN, null, null);
      try {
        var stub = InferenceServiceGrpc.newBlockingStub(ch);
        List<String> queries = List.of("warm tent", "blue lamp", "steel kettle", "red jacket", "light stove",
            "compact mug", "classic boots", "waterproof backpack");
        List<Future<SearchResponse>> answers = new ArrayList<>();
        for (String q : queries) {
          answers.add(pool.submit(() -> stub.withDeadlineAfter(120, TimeUnit.SECONDS).search(one(q))));
        }
        for (int i = 0; i < queries.size(); i++) {
          var got = answers.get(i).get(120, TimeUnit.SECONDS).getResults(0);
          var want = alone.search(queries.get(i), 3);
          assertEquals(want.size(), got.getHitsCount());
          for (int j = 0; j < want.size(); j++) {
            assertEquals(want.get(j).id(), got.getHits(j).getId(), queries.get(i));
            assertEquals(want.get(j).score(), got.getHits(j).getScore(), 1e-4 * Math.max(1, Math.abs(want.get(j).score())));
          }
        }
      } finally {
        ch.shutdownNow();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** A tiny untrained model of the tiny shop, saved to DIR/model (what --model m names). */
  private void saveModel(long seed) throws Exception {
    Path data = ServeFixtures.tinyDataset(dir.resolve("root/shop"));
    try (GenerativeModel m = ModelFactory.create(TinyModels.options(ItemIds.Scheme.ATOMIC), Dataset.load(data).items(),
        seed)) {
      ModelStore.save(m, dir.resolve("model"));
    }
  }

  private static SearchRequest one(String query) {
    return SearchRequest.newBuilder().setModel("m").setK(3).addQueries(SearchQuery.newBuilder().setQuery(query)).build();
  }

  private static StatusRuntimeException assertCode(Status.Code code, org.junit.jupiter.api.function.Executable call) {
    StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class, call);
    assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
    return e;
  }
}
