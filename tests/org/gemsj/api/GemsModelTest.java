package org.gemsj.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.gemsj.cli.GemsCli;
import org.gemsj.data.Example;
import org.gemsj.data.Item;
import org.gemsj.data.Task;
import org.gemsj.model.GenerativeModel;
import org.gemsj.model.ItemIds;
import org.gemsj.model.ModelFactory;
import org.gemsj.model.ModelStore;
import org.gemsj.model.ScoredItem;
import org.gemsj.testing.TinyModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * GemsModel against the model it wraps, used directly: the same items and scores as
 * GenerativeModel.topK on hand-built examples, and (atomic ids: beam search is exact) the top of
 * the full-catalogue ranking; the same answers from 8 threads at once as one at a time; clear errors.
 */
class GemsModelTest {
  @TempDir static Path dir;
  static final long SEED = System.nanoTime();
  static final Random RANDOM = new Random(SEED);
  static List<Item> catalogue;
  static GemsModel model;
  static GenerativeModel reference; // the same saved model, loaded on its own

  @BeforeAll
  static void saveAModel() throws Exception {
    catalogue = catalogue(40, RANDOM);
    try (GenerativeModel fresh = ModelFactory.create(TinyModels.options(ItemIds.Scheme.ATOMIC), catalogue,
        RANDOM.nextLong())) {
      TinyModels.perturbDecoder(fresh, RANDOM);
      ModelStore.save(fresh, dir.resolve("model"));
    }
    model = GemsModel.load(dir.resolve("model"));
    reference = ModelStore.load(dir.resolve("model"));
  }

  @AfterAll
  static void closeModels() {
    model.close();
    reference.close();
  }

  @Test
  void rerankScoresAreTheFullCatalogueScoresRenormalisedOverTheCandidates() {
    for (Request q : requests(9)) {
      List<String> ids = new ArrayList<>(catalogue.stream().map(Item::id).toList());
      Collections.shuffle(ids, RANDOM);
      List<String> candidates = ids.subList(0, 1 + RANDOM.nextInt(15));
      String what = q + " candidates " + candidates + " (seed " + SEED + ")";
      List<Hit> hits = model.rerank(q.task() == Task.SEARCH ? q.query() : null, q.history(), candidates);
      List<String> recent = q.history().subList(Math.max(0, q.history().size() - 3), q.history().size());
      float[] all = reference.scoreAll(List.of(new Example("ref", q.task(), recent, q.query(), null, 0)))[0];
      double max = Double.NEGATIVE_INFINITY, sum = 0;
      for (String c : candidates) {
        max = Math.max(max, all[reference.indexOf(c)]);
      }
      for (String c : candidates) {
        sum += Math.exp(all[reference.indexOf(c)] - max);
      }
      double logZ = max + Math.log(sum), total = 0;
      assertEquals(new HashSet<>(candidates), new HashSet<>(hits.stream().map(Hit::id).toList()), what);
      assertEquals(candidates.size(), hits.size(), what);
      for (int i = 0; i < hits.size(); i++) {
        Hit h = hits.get(i);
        assertEquals(all[reference.indexOf(h.id())] - logZ, h.score(), 1e-5, what);
        assertEquals(reference.items().get(reference.indexOf(h.id())).title(), h.title());
        if (i > 0) {
          assertTrue(hits.get(i - 1).score() >= h.score(), what + ": best first");
        }
        total += Math.exp(h.score());
      }
      assertEquals(1.0, total, 1e-5, what + ": the candidates' probabilities sum to one");
    }
  }

  @Test
  void rerankRefusesBadCandidatesByPosition() {
    assertMessage("candidateIds is empty: nothing to re-rank", () -> model.rerank("tent", List.of(), List.of()));
    assertMessage("candidateIds[1]: item 'nope' is not in the model's catalogue",
        () -> model.rerank("tent", List.of(), List.of("i1", "nope")));
    assertMessage("candidateIds[2]: item 'i1' is also candidateIds[0]",
        () -> model.rerank("tent", List.of(), List.of("i1", "i2", "i1")));
    assertMessage("query is empty (pass null for a recommendation re-rank)",
        () -> model.rerank(" ", List.of(), List.of("i1")));
    assertMessage("history is empty: a recommendation re-rank needs at least one past item id",
        () -> model.rerank(null, List.of(), List.of("i1")));
    assertMessage("history[0]: item 'x' is not in the model's catalogue",
        () -> model.rerank(null, List.of("x"), List.of("i1")));
  }

  /** A request and the way to send it to GemsModel. */
  private record Request(Task task, String query, List<String> history, int k) {
    List<Hit> send(GemsModel m) {
      return task == Task.SEARCH ? m.search(query, history, k) : m.recommend(history, k);
    }
  }

  @Test
  void answersEqualTheWrappedModelsTopKAndFullRanking() {
    for (Request q : requests(9)) {
      List<Hit> hits = q.send(model);
      String what = q + " (seed " + SEED + ")";
      // the reference example: history oldest first, its newest historyLength items
      List<String> recent = q.history().subList(Math.max(0, q.history().size() - 3), q.history().size());
      Example e = new Example("ref", q.task(), recent, q.query(), null, 0);
      List<ScoredItem> direct = reference.topK(e, q.k(), Math.max(q.k(), 20));
      assertEquals(direct.size(), hits.size(), what);
      for (int i = 0; i < hits.size(); i++) {
        assertEquals(direct.get(i).id(), hits.get(i).id(), what);
        assertEquals(direct.get(i).score(), hits.get(i).score(), 0.0, what);
        assertEquals(reference.items().get(reference.indexOf(hits.get(i).id())).title(), hits.get(i).title(), what);
      }
      // k distinct catalogue ids, best first
      assertEquals(q.k(), new HashSet<>(hits.stream().map(Hit::id).toList()).size(), what);
      for (int i = 1; i < hits.size(); i++) {
        assertTrue(hits.get(i - 1).score() >= hits.get(i).score(), what);
      }
      // atomic ids: the hits are the top k of the full-catalogue scores (float32 paths differ slightly)
      float[] all = reference.scoreAll(List.of(e))[0];
      double last = hits.get(hits.size() - 1).score();
      for (Hit h : hits) {
        double full = all[reference.indexOf(h.id())];
        assertEquals(full, h.score(), 1e-4 * Math.max(1, Math.abs(full)), what);
      }
      for (int i = 0; i < all.length; i++) {
        String id = catalogue.get(i).id();
        if (hits.stream().noneMatch(h -> h.id().equals(id))) {
          assertTrue(all[i] <= last + 1e-4 * Math.max(1, Math.abs(last)), what + ": " + id + " beats a hit");
        }
      }
    }
  }

  @Test
  void historyIsOldestFirstAndOnlyTheNewestAreRead() {
    List<String> history = randomHistory(8);
    assertEquals(3, model.historyLength());
    assertEquals(model.recommend(history.subList(5, 8), 5), model.recommend(history, 5));
    assertEquals(model.search("warm tent", history.subList(5, 8), 4), model.search("warm tent", history, 4));
  }

  /** One call at a time (the default) and four at once (no per-call state in the model) answer alike. */
  @ParameterizedTest(name = "{0} parallel calls")
  @ValueSource(ints = {1, 4})
  void concurrentCallsAnswerAsSequentialOnes(int parallelCalls) throws Exception {
    List<Request> requests = requests(4); // 8 threads x 4 calls: each call takes ~0.2 s on 2 cores
    List<List<Hit>> expected = new ArrayList<>();
    for (Request q : requests) {
      expected.add(q.send(model));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try (GemsModel model = GemsModel.load(dir.resolve("model"), parallelCalls)) {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<List<List<Hit>>>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
          order.add(i);
        }
        Collections.shuffle(order, new Random(SEED + t));
        Callable<List<List<Hit>>> worker = () -> {
          go.await();
          List<List<Hit>> got = new ArrayList<>(Collections.nCopies(requests.size(), null));
          for (int i : order) {
            got.set(i, requests.get(i).send(model));
          }
          return got;
        };
        results.add(pool.submit(worker));
      }
      go.countDown();
      for (Future<List<List<Hit>>> f : results) {
        assertEquals(expected, f.get(), "seed " + SEED);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Requests batched together (micro-batching) get each request's answer alone, to float rounding. */
  @Test
  void batchedAnswersAreTheAnswersAlone() throws Exception {
    List<Function<GemsModel, List<Hit>>> requests = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (Request q : requests(16)) {
      requests.add(q::send);
      names.add(q.toString());
      if (requests.size() % 3 == 0) { // some re-ranks of a random subset, batched with the others
        List<String> ids = new ArrayList<>(catalogue.stream().map(Item::id).toList());
        Collections.shuffle(ids, RANDOM);
        List<String> candidates = ids.subList(0, 1 + RANDOM.nextInt(ids.size()));
        requests.add(m -> m.rerank(q.task() == Task.SEARCH ? q.query() : null, q.history(), candidates));
        names.add("rerank of " + candidates.size() + " for " + q);
      }
    }
    List<List<Hit>> alone = new ArrayList<>();
    for (var q : requests) {
      alone.add(q.apply(model));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try (GemsModel batched = GemsModel.load(dir.resolve("model"),
        new GemsModel.Policy(1, java.time.Duration.ofMillis(40), 6))) {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<List<Hit>>> answers = new ArrayList<>();
      for (var q : requests) {
        answers.add(pool.submit(() -> {
          go.await();
          return q.apply(batched);
        }));
      }
      go.countDown();
      for (int i = 0; i < requests.size(); i++) {
        List<Hit> got = answers.get(i).get(), want = alone.get(i);
        String what = names.get(i) + " (seed " + SEED + ")";
        assertEquals(want.stream().map(Hit::id).toList(), got.stream().map(Hit::id).toList(), what);
        for (int j = 0; j < want.size(); j++) {
          // padded to the batch's longest input, the encoder's sums change in the last bits: seen 1.4e-5 relative
          assertEquals(want.get(j).score(), got.get(j).score(), 1e-4 * Math.max(1, Math.abs(want.get(j).score())), what);
          assertEquals(want.get(j).title(), got.get(j).title());
        }
      }
      long batches = batched.batchesRun();
      assertTrue(batches >= requests.size() / 6 && batches < requests.size(), batches + " batches for "
          + requests.size() + " requests: some ran together, none beyond 6");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void badInputFailsNamingWhatIsWrong() {
    assertMessage("k must be >= 1", () -> model.search("tent", 0));
    assertMessage("query is empty", () -> model.search("  ", 3));
    assertMessage("query is empty", () -> model.search(null, List.of(), 3));
    assertMessage("history is empty", () -> model.recommend(List.of(), 3));
    assertMessage("history[1]: item 'nope'", () -> model.recommend(List.of("i1", "nope"), 3));
    assertMessage("history[0]: item 'nope'", () -> model.search("tent", List.of("nope"), 3));
    assertMessage("beam width 2 cannot return k = 3", () -> model.recommend(List.of("i1"), 3, 2));
    assertMessage("parallelCalls must be >= 1, got 0", () -> GemsModel.load(dir.resolve("model"), 0));
    assertMessage("need batchWindow >= 0 and maxBatch >= 1", () -> new GemsModel.Policy(1,
        java.time.Duration.ofMillis(2), 0));
    assertTrue(model.item("nope").isEmpty());
    assertEquals(catalogue.get(4), model.item(catalogue.get(4).id()).orElseThrow());
    assertEquals(catalogue, model.items());
  }

  @Test
  void useAfterCloseFails() throws Exception {
    GemsModel other = GemsModel.load(dir.resolve("model"));
    assertEquals(model.search("blue lamp", 3), other.search("blue lamp", 3));
    other.close();
    other.close(); // idempotent
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> other.search("blue lamp", 3));
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> other.recommend(List.of("i1"), 3));
    assertThrows(IllegalStateException.class, other::items);
  }

  @Test
  void cliSearchPrintsWhatTheApiReturns() {
    String query = randomQuery();
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream old = System.out;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int rc;
    try {
      rc = GemsCli.commandLine().execute("search", "--model", dir.resolve("model").toString(), query, "-k", "4",
          "--history", "i1,i2");
    } finally {
      System.setOut(old);
    }
    assertEquals(0, rc);
    List<String> printed = captured.toString(StandardCharsets.UTF_8).lines().map(l -> l.split("\\s+")[0]).toList();
    assertEquals(model.search(query, List.of("i1", "i2"), 4).stream().map(Hit::id).toList(), printed);

    captured.reset();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      rc = GemsCli.commandLine().execute("rerank", "--model", dir.resolve("model").toString(), "--query", query,
          "--candidates", "i7,i3,i9", "--history", "i1");
    } finally {
      System.setOut(old);
    }
    assertEquals(0, rc);
    printed = captured.toString(StandardCharsets.UTF_8).lines().map(l -> l.split("\\s+")[0]).toList();
    assertEquals(model.rerank(query, List.of("i1"), List.of("i7", "i3", "i9")).stream().map(Hit::id).toList(), printed);
  }

  private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertTrue(e.getMessage().contains(expected), "'" + e.getMessage() + "' lacks '" + expected + "'");
  }

  /** Fresh random requests of all three kinds, k from 1 to 8. */
  private static List<Request> requests(int n) {
    List<Request> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int k = 1 + RANDOM.nextInt(8);
      out.add(switch (i % 3) {
        case 0 -> new Request(Task.SEARCH, randomQuery(), List.of(), k);
        case 1 -> new Request(Task.SEARCH, randomQuery(), randomHistory(1 + RANDOM.nextInt(5)), k);
        default -> new Request(Task.REC, null, randomHistory(1 + RANDOM.nextInt(5)), k);
      });
    }
    return out;
  }

  private static String randomQuery() {
    String[] words = catalogue.get(RANDOM.nextInt(catalogue.size())).title().split(" ");
    return words[RANDOM.nextInt(words.length)] + " " + words[words.length - 2];
  }

  private static List<String> randomHistory(int n) {
    List<String> h = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      h.add(catalogue.get(RANDOM.nextInt(catalogue.size())).id());
    }
    return h;
  }

  private static List<Item> catalogue(int n, Random r) {
    String[] nouns = {"boots", "tent", "kettle", "lamp", "jacket", "stove", "mug", "backpack"};
    String[] adjectives = {"waterproof", "blue", "light", "steel", "warm", "compact", "red", "classic"};
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      items.add(new Item("i" + i, adjectives[r.nextInt(8)] + " " + adjectives[r.nextInt(8)] + " " + nouns[i % 8] + " "
          + i, "", List.of(nouns[i % 8])));
    }
    return items;
  }

}
