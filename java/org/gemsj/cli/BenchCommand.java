package org.gemsj.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.gemsj.api.GemsModel;
import org.gemsj.backbone.Backbone;
import org.gemsj.backbone.BertConfig;
import org.gemsj.backbone.RandomEncoderDirectory;
import org.gemsj.bench.BenchmarkReport;
import org.gemsj.bench.BlasThreadsBenchmark;
import org.gemsj.bench.OptimizerBenchmark;
import org.gemsj.bench.ServeBenchmark;
import org.gemsj.bench.DdpBenchmark;
import org.gemsj.bench.TrainBenchmark;
import org.gemsj.data.synth.SyntheticData;
import org.gemsj.io.AtomicFiles;
import org.gemsj.io.FileConfinement;
import org.gemsj.serve.ServerConfig;
import org.gemsj.train.TrainMethod;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `gems bench ...`: benchmarks that print a table and write JSON. */
@Command(name = "bench", description = "Benchmarks (print a table, write JSON).",
    subcommands = {BenchCommand.Optimizer.class, BenchCommand.Serve.class, BenchCommand.BlasThreads.class,
        BenchCommand.Train.class, BenchCommand.Ddp.class, BenchCommand.RandomEncoder.class})
final class BenchCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "optimizer", mixinStandardHelpOptions = true,
      description = "Fused GEMS step vs composed libtorch calls vs AdamW vs the GEMM floor; exact vs randomized basis refresh.")
  static final class Optimizer implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "JSON file to write")
    Path out;

    @Option(names = "--shapes", split = ",", defaultValue = "384x384,1536x384,384x1536,4096x4096",
        description = "weight shapes m x n (default: ${DEFAULT-VALUE})")
    List<String> shapes;

    @Option(names = "--rank-shared", defaultValue = "128", description = "r_sh (default: ${DEFAULT-VALUE})")
    long rankShared;

    @Option(names = "--rank-task", defaultValue = "64", description = "r_task (default: ${DEFAULT-VALUE})")
    long rankTask;

    @Option(names = "--seconds", defaultValue = "3", description = "time budget per shape and phase (default: ${DEFAULT-VALUE})")
    double seconds;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      if (rankShared < 1 || rankTask < 0 || !(seconds > 0)) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "need --rank-shared >= 1, --rank-task >= 0 and --seconds > 0");
      }
      List<long[]> parsed = new ArrayList<>();
      for (String s : shapes) {
        String[] parts = s.trim().toLowerCase().split("x");
        long[] shape;
        try {
          shape = new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])};
        } catch (RuntimeException e) {
          shape = null;
        }
        if (parts.length != 2 || shape == null || shape[0] < 1 || shape[1] < 1) {
          throw new CommandLine.ParameterException(spec.commandLine(), "--shapes: '" + s + "' is not MxN with M, N >= 1");
        }
        parsed.add(shape);
      }
      var rows = new OptimizerBenchmark(rankShared, rankTask, seconds, System.err::println).run(parsed);
      BenchmarkReport.print(rows, System.out);
      BenchmarkReport.writeJson(rows, out);
      System.out.println("wrote " + out.toAbsolutePath());
      return 0;
    }
  }

  @Command(name = "serve", mixinStandardHelpOptions = true,
      description = "Inference latency (p50/p99) and throughput at 1, 8 and 64 concurrent clients, over gRPC and "
          + "through the Java API, side by side.")
  static final class Serve implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "JSON file to write") Path out;
    @Option(names = "--model", description = "saved model directory (default: the demo catalogue, untrained weights: "
        + "inference costs the same)") Path model;
    @Option(names = "--clients", split = ",", defaultValue = "1,8,64", description = "concurrency levels (default: ${DEFAULT-VALUE})")
    List<Integer> clients;
    @Option(names = "--requests", defaultValue = "128", description = "requests per level (default: ${DEFAULT-VALUE})")
    int requests;
    @Option(names = "-k", defaultValue = "10", description = "items per request (default: ${DEFAULT-VALUE})") int k;
    @Option(names = "--parallel-calls", split = ",", description = "GemsModel execution policies to compare side by "
        + "side, inferences at once (e.g. 1,2; default: GemsModel's default; the gRPC server runs the first)")
    List<Integer> parallelCalls = List.of(GemsModel.DEFAULT_PARALLEL_CALLS);
    @Option(names = "--batch-window-ms", split = ",", description = "micro-batching windows to compare (0: off; "
        + "default 0); every --parallel-calls with every window; the gRPC server runs the first pair")
    List<Long> batchWindowsMs = List.of(0L);
    @Option(names = "--max-batch", description = "requests in one micro-batch at most (default "
      + ServerConfig.DEFAULT_MAX_BATCH + ")") int maxBatch = ServerConfig.DEFAULT_MAX_BATCH;
    @Option(names = "--operations", split = ",", description = "what the requests do: mixed (default: search and "
        + "recommend alternating), search, recommend, rerank (100 candidates); several: one set of rows each")
    List<String> operations = List.of(ServeBenchmark.MIXED);
    @Option(names = "--lone-requests", split = ",", description = "micro-batching: whether a lone request after a "
        + "lone batch skips the window (skip, the default) or waits it (wait); several: compared side by side")
    List<String> loneRequests = List.of("skip");
    @Option(names = "--warm-up-s", description = "seconds of calls per mode and operation before it is measured "
        + "(default 10; the gRPC path needs thousands of calls to be JIT-warm, docs/PERFORMANCE.md)")
    long warmUpS = ServeBenchmark.DEFAULT_WARM_UP.toSeconds();

    @Override
    public Integer call() throws Exception {
      if (requests < 1 || k < 1 || clients.stream().anyMatch(c -> c < 1) || parallelCalls.stream().anyMatch(p -> p < 1)) {
        throw new IllegalArgumentException("--requests, -k, every --clients level and every --parallel-calls must be >= 1");
      }
      if (warmUpS < 0) {
        throw new IllegalArgumentException("--warm-up-s must be >= 0, got " + warmUpS);
      }
      List<GemsModel.Policy> policies = new ArrayList<>();
      for (int p : parallelCalls) {
        for (long w : batchWindowsMs) {
          for (String lone : loneRequests) {
            if (!lone.equals("skip") && !lone.equals("wait")) {
              throw new IllegalArgumentException("--lone-requests takes skip or wait, got '" + lone + "'");
            }
            if (w > 0 || lone.equals("skip")) { // without a window there is nothing to wait
              policies.add(new GemsModel.Policy(p, Duration.ofMillis(w), maxBatch, lone.equals("wait")));
            }
          }
        }
      }
      Path work = Files.createTempDirectory("gems-bench-serve");
      try {
        double load = ServeBenchmark.loadAverage();
        Path dir = model != null ? model : ServeBenchmark.demoModel(work);
        var rows = new ServeBenchmark(dir, policies, operations, requests, k, Duration.ofSeconds(warmUpS), System.err)
            .run(clients, work.resolve("server"));
        ServeBenchmark.print(rows, System.out);
        ServeBenchmark.writeJson(rows, model != null ? model.toAbsolutePath().toString()
            : ServeBenchmark.DEMO_MODEL, load, Duration.ofSeconds(warmUpS), out);
        System.out.println("wrote " + out.toAbsolutePath());
      } finally {
        AtomicFiles.deleteTree(work);
      }
      return 0;
    }
  }

  @Command(name = "blas-threads", mixinStandardHelpOptions = true,
      description = "A training-sized GEMM and an exact basis refresh with OpenBLAS on 1 thread vs one per core.")
  static final class BlasThreads implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "JSON file to write") Path out;
    @Option(names = "--rounds", defaultValue = "3", description = "alternating rounds (default: ${DEFAULT-VALUE})")
    int rounds;

    @Override
    public Integer call() throws Exception {
      if (rounds < 1) {
        throw new IllegalArgumentException("--rounds must be >= 1");
      }
      var rows = BlasThreadsBenchmark.run(rounds, Runtime.getRuntime().availableProcessors());
      BlasThreadsBenchmark.print(rows, System.out);
      BlasThreadsBenchmark.writeJson(rows, out);
      System.out.println("wrote " + out.toAbsolutePath());
      return 0;
    }
  }

  @Command(name = "train", mixinStandardHelpOptions = true,
      description = "One training step split into its phases, for gems and full, at the trainer's default shapes and "
          + "the demo's, for each --backbones, beside the floor: the encoder's forward and backward alone on the same "
          + "batches.")
  static final class Train implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "JSON file to write") Path out;
    @Option(names = "--data", description = "dataset directory (default: the demo shop, generated into a temporary "
        + "directory)") Path data;
    @Option(names = "--steps", defaultValue = "8", description = "measured steps per method and shape, after 2 "
        + "warm-up steps (default: ${DEFAULT-VALUE})") int steps;
    @Option(names = "--shapes", split = ",", defaultValue = "default,demo",
        description = "default (batch 32, 96 tokens, history 20) and/or demo (batch 16, 48 tokens, history 10)")
    List<String> shapes;
    @Option(names = "--methods", split = ",", defaultValue = "gems,full", description = "methods (default: ${DEFAULT-VALUE})")
    List<String> methods;
    @Option(names = "--cache-dir", description = "null-space and item-vector cache (default ~/.cache/gems-j)") Path cacheDir;
    @Option(names = "--backbones", split = ",", defaultValue = "minilm", paramLabel = "NAME|DIR",
        description = "encoders to compare: bundled names or Hugging Face directories (default: ${DEFAULT-VALUE})")
    List<String> backbones;

    @Override
    public Integer call() throws Exception {
      List<Backbone> encoders = backbones.stream().map(b -> Backbone.parse(b.trim(), FileConfinement.NONE)).toList();
      List<TrainBenchmark.Shape> chosen = new ArrayList<>();
      for (String s : shapes) {
        chosen.add(TrainBenchmark.SHAPES.stream().filter(x -> x.name().equals(s.trim())).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("--shapes: unknown shape '" + s + "' (default, demo)")));
      }
      List<TrainMethod> ms = new ArrayList<>();
      for (String m : methods) {
        ms.add(TrainMethod.fromCli(m.trim()));
      }
      Path cache = cacheDir != null ? cacheDir : Path.of(System.getProperty("user.home"), ".cache", "gems-j");
      double load = ServeBenchmark.loadAverage();
      onDataset(data, (dataset, described) -> {
        var rows = new TrainBenchmark(dataset, cache, steps, System.err).run(chosen, ms, encoders);
        TrainBenchmark.print(rows, System.out);
        TrainBenchmark.writeJson(rows, described, load, out);
      });
      System.out.println("wrote " + out.toAbsolutePath());
      return 0;
    }
  }

  /** What a training benchmark does with its dataset and the words its JSON describes it with. */
  interface OnDataset {
    void run(Path dataset, String described) throws Exception;
  }

  /** Runs {@code body} on {@code data}, or on the demo shop generated into a temporary directory when null. */
  static void onDataset(Path data, OnDataset body) throws Exception {
    if (data != null) {
      body.run(data, data.toAbsolutePath().toString());
      return;
    }
    Path work = Files.createTempDirectory("gems-bench");
    try {
      Path demo = work.resolve("data");
      SyntheticData.generate(demo, 7, SyntheticData.Options.DEFAULTS);
      body.run(demo, "demo shop (gems data synth --seed 7)");
    } finally {
      AtomicFiles.deleteTree(work);
    }
  }

  @Command(name = "ddp", mixinStandardHelpOptions = true,
      description = "A training step of each method on 1 rank against 2 ranks (Gloo on loopback): step time, "
          + "examples/s, the bytes each step all-reduces, and what N machines would give (docs/PERFORMANCE.md).")
  static final class Ddp implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "JSON file to write") Path out;
    @Option(names = "--data", description = "dataset directory (default: the demo shop, generated into a temporary "
        + "directory)") Path data;
    @Option(names = "--steps", defaultValue = "6", description = "measured steps per method and rank count, after 2 "
        + "warm-up steps (default: ${DEFAULT-VALUE})") int steps;
    @Option(names = "--batch-size", defaultValue = "16", description = "global batch (default: ${DEFAULT-VALUE}, the "
        + "demo's)") int batchSize;
    @Option(names = "--methods", split = ",", defaultValue = "gems,lora,full",
        description = "methods (default: ${DEFAULT-VALUE})") List<String> methods;
    @Option(names = "--cache-dir", description = "null-space and item-vector cache (default ~/.cache/gems-j)") Path cacheDir;

    @Override
    public Integer call() throws Exception {
      List<TrainMethod> ms = new ArrayList<>();
      for (String m : methods) {
        ms.add(TrainMethod.fromCli(m.trim()));
      }
      Path cache = cacheDir != null ? cacheDir : Path.of(System.getProperty("user.home"), ".cache", "gems-j");
      double load = ServeBenchmark.loadAverage();
      onDataset(data, (dataset, described) -> {
        var rows = new DdpBenchmark(dataset, cache, steps, batchSize, System.err).run(ms);
        DdpBenchmark.print(rows, System.out);
        DdpBenchmark.writeJson(rows, described, load, out);
      });
      System.out.println("wrote " + out.toAbsolutePath());
      return 0;
    }
  }

  @Command(name = "random-encoder", mixinStandardHelpOptions = true,
      description = "Write a Hugging Face BERT directory of random weights (BERT-base's shape by default) with MiniLM's "
          + "tokenizer, to measure what a larger encoder costs: gems bench train --backbones minilm,DIR.")
  static final class RandomEncoder implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "directory to write") Path out;
    @Option(names = "--layers", defaultValue = "12", description = "(default: ${DEFAULT-VALUE})") int layers;
    @Option(names = "--hidden", defaultValue = "768", description = "width (default: ${DEFAULT-VALUE})") int hidden;
    @Option(names = "--heads", defaultValue = "12", description = "(default: ${DEFAULT-VALUE})") int heads;
    @Option(names = "--intermediate", defaultValue = "3072", description = "FFN width (default: ${DEFAULT-VALUE})")
    int intermediate;
    @Option(names = "--seed", defaultValue = "1", description = "(default: ${DEFAULT-VALUE})") long seed;

    @Override
    public Integer call() throws Exception {
      if (layers < 1 || hidden < 1 || heads < 1 || intermediate < 1 || hidden % heads != 0) {
        throw new IllegalArgumentException("--layers, --hidden, --heads and --intermediate must be positive, and "
            + "--hidden a multiple of --heads");
      }
      BertConfig base = RandomEncoderDirectory.BERT_BASE;
      RandomEncoderDirectory.write(out, new BertConfig(layers, hidden, heads, intermediate, base.vocab(),
          base.maxPositions(), base.eps()), seed);
      System.out.println(out);
      return 0;
    }
  }
}
