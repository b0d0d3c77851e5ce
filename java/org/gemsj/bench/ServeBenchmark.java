package org.gemsj.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.gemsj.api.GemsModel;
import org.gemsj.backbone.BundledBackbone;
import org.gemsj.data.Dataset;
import org.gemsj.data.Example;
import org.gemsj.data.Item;
import org.gemsj.data.Splitter;
import org.gemsj.data.Task;
import org.gemsj.data.synth.SyntheticData;
import org.gemsj.io.AtomicFiles;
import org.gemsj.model.GenerativeModel;
import org.gemsj.model.ModelFactory;
import org.gemsj.model.ModelStore;
import org.gemsj.serve.GemsClient;
import org.gemsj.serve.GemsServer;
import org.gemsj.serve.JobRunner;
import org.gemsj.serve.ServerConfig;
import org.gemsj.serve.proto.History;
import org.gemsj.serve.proto.InferenceServiceGrpc;
import org.gemsj.serve.proto.RecommendRequest;
import org.gemsj.serve.proto.RerankQuery;
import org.gemsj.serve.proto.RerankRequest;
import org.gemsj.serve.proto.SearchQuery;
import org.gemsj.serve.proto.SearchRequest;
import org.gemsj.train.TrainDefaults;

/**
 * Inference latency and throughput at several numbers of concurrent clients, over gRPC (a
 * loopback `gems serve` in this JVM, bearer token on, one shared HTTP/2 channel) and through the
 * Java API ({@link GemsModel} called from as many threads), side by side on the same model files.
 * By default requests alternate a search (query plus a 3-item history) and a recommendation
 * (5-item history), one query each, k = 10; each operation can also run alone, and a rerank
 * re-orders 100 candidates for a query and a 3-item history. Each level runs in rounds that
 * alternate the modes. At one client a "floor" row times the same requests on the bare model
 * (batch 1, sequential): the single-request cost the served figures are judged against.
 */
public final class ServeBenchmark {
  private static final String TOKEN = "bench-token-0123456789abcdef";
  /** Per-call deadline: with one call at a time, 64 clients queue for minutes on a busy 2-core machine. */
  private static final long DEADLINE_S = 900;
  /**
   * Default warm-up per mode and operation before it is measured, in calls one after another for
   * this long (at least 8): 8 calls, then 48, left the gRPC path JIT-cold, 2-10 ms slower than
   * after thousands (0.8 ms over the Java API then, docs/PERFORMANCE.md).
   */
  public static final Duration DEFAULT_WARM_UP = Duration.ofSeconds(10);
  /** Refused calls that warm up (then a quarter of them measure) gRPC's own round trip. */
  private static final int WARM_UP_ROUND_TRIPS = 2000;
  /** Rounds per level, alternating the two modes. */
  private static final int ROUNDS = 4;
  /** Operations: the default alternates search and recommend; the others run alone. */
  public static final String MIXED = "mixed", SEARCH = "search", RECOMMEND = "recommend", RERANK = "rerank";
  public static final List<String> OPERATIONS = List.of(MIXED, SEARCH, RECOMMEND, RERANK);
  /** Candidates of a rerank request (a first pass's top 100). */
  static final int RERANK_CANDIDATES = 100;

  /** One measured level: mode ("grpc" or "java"), clients, requests, latency percentiles, rate. */
  public record Row(String mode, int clients, int requests, double p50_ms, double p99_ms, double mean_ms,
      double requests_per_s) {}

  private final Path modelDir;
  private final List<GemsModel.Policy> policies; // the server's is the first; the Java API runs each
  private final List<String> operations;
  private final int requestsPerLevel;
  private final int k;
  private final Duration warmUp;
  private final PrintStream progress;

  /** {@code policies}: GemsModel execution policies to compare (the gRPC server runs the first). */
  public ServeBenchmark(Path modelDir, List<GemsModel.Policy> policies, List<String> operations, int requestsPerLevel,
      int k, Duration warmUp, PrintStream progress) {
    for (String op : operations) {
      if (!OPERATIONS.contains(op)) {
        throw new IllegalArgumentException("--operations: '" + op + "' is not one of " + OPERATIONS);
      }
    }
    this.operations = List.copyOf(operations);
    this.modelDir = modelDir;
    this.policies = List.copyOf(policies);
    this.requestsPerLevel = requestsPerLevel;
    this.k = k;
    this.warmUp = warmUp;
    this.progress = progress;
  }

  public List<Row> run(List<Integer> clientCounts, Path work) throws Exception {
    Files.createDirectories(work.resolve("datasets"));
    ServerConfig config = new ServerConfig("127.0.0.1", 0, work, List.of(work.resolve("datasets")), List.of(TOKEN), false,
        null, null, Map.of("bench", modelDir), JobRunner.Options.DEFAULTS, ServerConfig.DEFAULT_MAX_MESSAGE_BYTES, List.of(),
        policies.get(0), ServerConfig.DEFAULT_MAX_WAITING);
    List<Row> rows = new ArrayList<>();
    List<GemsModel> direct = new ArrayList<>(); // one per policy, the same files
    try (GemsServer server = GemsServer.start(config); GenerativeModel bare = ModelStore.load(modelDir)) {
      for (GemsModel.Policy p : policies) {
        direct.add(GemsModel.load(modelDir, p));
      }
      ManagedChannel channel = GemsClient.channel("127.0.0.1:" + server.port(), TOKEN, null, null);
      try {
        var stub = InferenceServiceGrpc.newBlockingStub(channel);
        List<Item> items = direct.get(0).items();
        // gRPC's own cost: a call the server refuses at once (no such model), through the same auth and channel
        IntConsumer roundTrip = i -> roundTrip(stub, items);
        measure(roundTrip, 1, WARM_UP_ROUND_TRIPS); // JIT-compiles the transport, HTTP/2 and auth paths
        rows.add(row("grpc:round-trip", 1, List.of(measure(roundTrip, 1, WARM_UP_ROUND_TRIPS / 4))));
        for (String op : operations) {
          IntConsumer grpc = i -> viaGrpc(stub, op, items, i);
          IntConsumer floor = i -> viaModel(bare, op, items, i);
          List<IntConsumer> java = new ArrayList<>();
          for (GemsModel m : direct) {
            java.add(i -> viaJava(m, op, items, i));
          }
          warmUp(grpc); // model load, JIT, channel
          warmUp(floor);
          for (IntConsumer j : java) {
            warmUp(j);
          }
          for (int c : clientCounts) {
            // rounds alternate the modes so that all of them see the same machine (others' load drifts)
            int perRound = Math.max(c, requestsPerLevel / ROUNDS);
            int rounds = Math.max(1, Math.max(requestsPerLevel, c) / perRound);
            List<long[]> viaGrpc = new ArrayList<>(), alone = new ArrayList<>();
            List<List<long[]>> viaJava = new ArrayList<>();
            java.forEach(j -> viaJava.add(new ArrayList<>()));
            for (int r = 0; r < rounds; r++) {
              if (c == 1) {
                alone.add(measure(floor, 1, perRound));
              }
              viaGrpc.add(measure(grpc, c, perRound));
              for (int j = 0; j < java.size(); j++) {
                viaJava.get(j).add(measure(java.get(j), c, perRound));
              }
            }
            if (c == 1) {
              rows.add(row("floor" + suffix(op), 1, alone));
            }
            rows.add(row(mode("grpc", 0, op), c, viaGrpc));
            for (int j = 0; j < java.size(); j++) {
              rows.add(row(mode("java", j, op), c, viaJava.get(j)));
            }
            progress.println("bench serve: " + op + ", " + c + " clients done");
          }
        }
      } finally {
        channel.shutdownNow();
      }
    } finally {
      direct.forEach(GemsModel::close);
    }
    return rows;
  }

  /**
   * "java" / "grpc", with the policy when several are compared ("java/p2": 2 parallel calls,
   * "java/p1b2": one at a time, batches of requests within 2 ms) and the operation unless it is
   * the default mix ("grpc:rerank").
   */
  private String mode(String via, int policy, String op) {
    GemsModel.Policy p = policies.get(policy);
    String name = "p" + p.parallelCalls() + (p.batchWindow().isZero() ? "" : "b" + p.batchWindow().toMillis())
        + (p.loneRequestsWait() ? "w" : "");
    return (policies.size() == 1 ? via : via + "/" + name) + suffix(op);
  }

  /** A row's operation suffix: none for the default mix, else ":rerank" and the like. */
  private static String suffix(String op) {
    return op.equals(MIXED) ? "" : ":" + op;
  }

  /** Request {@code i} of an operation over gRPC. */
  private void viaGrpc(InferenceServiceGrpc.InferenceServiceBlockingStub stub, String op, List<Item> items, int i) {
    var s = stub.withDeadlineAfter(DEADLINE_S, TimeUnit.SECONDS);
    if (op.equals(RERANK)) {
      s.rerank(RerankRequest.newBuilder().setModel("bench").addQueries(RerankQuery.newBuilder()
          .setQuery(query(items, i)).addAllHistory(history(items, i, 3)).addAllCandidateIds(candidates(items, i)))
          .build());
    } else if (searches(op, i)) {
      s.search(SearchRequest.newBuilder().setModel("bench").setK(k).addQueries(SearchQuery.newBuilder()
          .setQuery(query(items, i)).addAllHistory(history(items, i, 3))).build());
    } else {
      s.recommend(RecommendRequest.newBuilder().setModel("bench").setK(k)
          .addHistories(History.newBuilder().addAllItems(history(items, i, 5))).build());
    }
  }

  /** A recommendation for a model the server does not have: NOT_FOUND at once, no inference. */
  private static void roundTrip(InferenceServiceGrpc.InferenceServiceBlockingStub stub, List<Item> items) {
    try {
      stub.withDeadlineAfter(DEADLINE_S, TimeUnit.SECONDS).recommend(RecommendRequest.newBuilder()
          .setModel("no-such-model").setK(10).addHistories(History.newBuilder().addItems(items.get(0).id())).build());
      throw new IllegalStateException("the server answered a recommendation for a model it does not have");
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
        throw e;
      }
    }
  }

  /** Request {@code i} of an operation through the Java API. */
  private void viaJava(GemsModel m, String op, List<Item> items, int i) {
    if (op.equals(RERANK)) {
      m.rerank(query(items, i), history(items, i, 3), candidates(items, i));
    } else if (searches(op, i)) {
      m.search(query(items, i), history(items, i, 3), k);
    } else {
      m.recommend(history(items, i, 5), k);
    }
  }

  /**
   * Request {@code i} as the single-request floor: the model's own inference at batch 1 (the
   * query's tokenization, one encoder forward, the decoder's beam search, or for a rerank the
   * candidates' scores), called directly with none of GemsModel's checks, slots or batching.
   */
  private void viaModel(GenerativeModel m, String op, List<Item> items, int i) {
    if (op.equals(RERANK)) {
      int[] indices = candidates(items, i).stream().mapToInt(m::indexOf).toArray();
      m.scoreItems(new Example("floor", Task.SEARCH, history(items, i, 3), query(items, i), null, 0), indices);
    } else if (searches(op, i)) {
      m.topK(new Example("floor", Task.SEARCH, history(items, i, 3), query(items, i), null, 0), k, GemsModel.defaultBeamWidth(k));
    } else {
      m.topK(new Example("floor", Task.REC, history(items, i, 5), null, null, 0), k, GemsModel.defaultBeamWidth(k));
    }
  }

  /** Whether request {@code i} of a search or mixed operation is a search (mixed: even ones; the others recommend). */
  private static boolean searches(String op, int i) {
    return op.equals(SEARCH) || (op.equals(MIXED) && i % 2 == 0);
  }

  /** A search engine's first pass stand-in: {@link #RERANK_CANDIDATES} distinct items. */
  private static List<String> candidates(List<Item> items, int i) {
    List<String> ids = new ArrayList<>();
    for (int j = 0; j < Math.min(RERANK_CANDIDATES, items.size()); j++) {
      ids.add(items.get((i * 37 + j) % items.size()).id());
    }
    return ids;
  }

  private static String query(List<Item> items, int i) {
    String[] words = items.get((i * 7) % items.size()).title().split(" ");
    return String.join(" ", Arrays.copyOfRange(words, Math.max(0, words.length - 2), words.length));
  }

  private static List<String> history(List<Item> items, int i, int length) {
    List<String> h = new ArrayList<>();
    for (int j = 0; j < length; j++) {
      h.add(items.get((i * 13 + j * 29) % items.size()).id());
    }
    return h;
  }

  private void warmUp(IntConsumer call) {
    long end = System.nanoTime() + warmUp.toNanos();
    for (int i = 0; i < 8 || System.nanoTime() < end; i++) {
      call.accept(i);
    }
  }

  /** Latencies (ns) of {@code n} calls spread over {@code clients} threads, plus the wall time last. */
  private static long[] measure(IntConsumer call, int clients, int n) throws Exception {
    long[] latencies = new long[n + 1];
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      long start = System.nanoTime();
      List<Future<?>> futures = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int first = c;
        futures.add(pool.submit(() -> {
          for (int i = first; i < n; i += clients) {
            long t = System.nanoTime();
            call.accept(i);
            latencies[i] = System.nanoTime() - t;
          }
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      latencies[n] = System.nanoTime() - start;
    } finally {
      pool.shutdownNow();
    }
    return latencies;
  }

  /** One row from several rounds' {@link #measure} results (latencies, then the round's wall time). */
  private static Row row(String mode, int clients, List<long[]> rounds) {
    long[] lat = rounds.stream().flatMapToLong(m -> Arrays.stream(m, 0, m.length - 1)).sorted().toArray();
    double wallS = rounds.stream().mapToLong(m -> m[m.length - 1]).sum() / 1e9;
    double mean = Arrays.stream(lat).average().orElse(0) / 1e6;
    return new Row(mode, clients, lat.length, percentile(lat, 0.50) / 1e6, percentile(lat, 0.99) / 1e6, mean,
        lat.length / wallS);
  }

  /** Nearest-rank percentile of sorted values. */
  static double percentile(long[] sorted, double q) {
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  public static void print(List<Row> rows, PrintStream out) {
    out.printf("%-16s %7s %8s %9s %9s %9s %9s%n", "mode", "clients", "requests", "p50_ms", "p99_ms", "mean_ms", "req/s");
    for (Row r : rows) {
      out.printf("%-16s %7d %8d %9.1f %9.1f %9.1f %9.1f%n", r.mode(), r.clients(), r.requests(), r.p50_ms(), r.p99_ms(),
          r.mean_ms(), r.requests_per_s());
    }
  }

  /** Writes {"rows": [...], "meta": {...}}; {@code model} says which model was measured. */
  public static void writeJson(List<Row> rows, String model, double loadBefore, Duration warmUp, Path file)
      throws IOException {
    var meta = new LinkedHashMap<String, Object>();
    meta.put("date", Instant.now().toString());
    meta.put("processors", Runtime.getRuntime().availableProcessors());
    meta.put("java", System.getProperty("java.version"));
    meta.put("model", model);
    // other work on the machine shows here: on 2 cores a load above 2 means the runs shared the CPUs
    meta.put("load_average_before", loadBefore);
    meta.put("load_average_after", loadAverage());
    meta.put("warm_up_s_per_mode", warmUp.toSeconds());
    meta.put("requests", "mixed: alternating search (query + 3-item history) and recommend (5-item history), k = 10, "
        + "one query each; search, recommend: that kind alone; rerank: a query + 3-item history over "
        + RERANK_CANDIDATES + " candidates");
    var doc = new LinkedHashMap<String, Object>();
    doc.put("rows", rows);
    doc.put("meta", meta);
    AtomicFiles.write(file, new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(doc));
  }

  /** The 1-minute system load average (-1 where the OS does not report it). */
  public static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  /** What {@link #demoModel} builds, for the report. */
  public static final String DEMO_MODEL = "demo catalogue (360 items), MiniLM encoder, 48 tokens, history 10, "
      + "atomic ids, history as item tokens, the transition prior, untrained weights (inference costs the same as "
      + "trained)";

  /** A model to measure when none is given: the demo catalogue, demo input sizes, untrained weights. */
  public static Path demoModel(Path work) throws IOException {
    Path data = work.resolve("data"), model = work.resolve("model");
    SyntheticData.generate(data, 7, SyntheticData.Options.DEFAULTS);
    var base = TrainDefaults.model(BundledBackbone.MINILM);
    var options = new ModelFactory.Options(base.backbone(), base.ids(), base.levels(), base.codebook(),
        base.decoderLayers(), base.decoderWidth(), base.decoderHeads(), base.decoderFfn(), 48, 10, base.input(),
        false, true); // the demo's sizes
    Dataset dataset = Dataset.load(data);
    try (var m = ModelFactory.create(options, dataset.items(), 7)) {
      m.initTransitionPrior(Splitter.split(dataset, 10).train()); // as training adds it
      ModelStore.save(m, model);
    }
    return model;
  }

}
