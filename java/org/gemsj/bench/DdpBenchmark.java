package org.gemsj.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.api.GemsTrainer;
import org.gemsj.data.Dataset;
import org.gemsj.data.Example;
import org.gemsj.data.SplitData;
import org.gemsj.data.Splitter;
import org.gemsj.data.Task;
import org.gemsj.dist.Launch;
import org.gemsj.dist.LocalRanks;
import org.gemsj.dist.ProcessGroup;
import org.gemsj.io.AtomicFiles;
import org.gemsj.model.GenerativeModel;
import org.gemsj.model.ModelFactory;
import org.gemsj.nativeops.BlasThreads;
import org.gemsj.train.Adaptation;
import org.gemsj.train.BatchOrder;
import org.gemsj.train.DataParallel;
import org.gemsj.train.NullSpaceEstimator;
import org.gemsj.train.TrainConfig;
import org.gemsj.train.TrainMethod;
import org.gemsj.train.TrainStep;

/**
 * `gems bench ddp`: a training step of each method on 1 rank (whole batches, a thread per core)
 * against 2 ranks (half batches, one thread each, their gradients all-reduced over Gloo on
 * loopback), in one run and alternating by method. The two ranks are two threads of this JVM,
 * each with its own model, optimizer and process group, as two processes would be; the trainer's
 * own {@link TrainStep} runs both. Reports step time, examples per second, the gradient phase
 * (copies, and for 2 ranks the all-reduce), the bytes each step all-reduces, and what N machines
 * would give at a given network bandwidth: the 1-rank passes split N ways, the gradient copies and
 * optimizer step that every rank repeats, and the ring all-reduce's 2(N-1)/N volume per rank.
 */
public final class DdpBenchmark {
  /** The network bandwidths projected at, bytes per second: 10 and 100 Gbit/s. */
  public static final double[] BANDWIDTHS = {10e9 / 8, 100e9 / 8};
  /** The demo's history length. */
  private static final int HISTORY = 10;
  /** The machine counts projected at. */
  public static final int[] MACHINES = {1, 2, 4, 8, 16};

  /**
   * One method: seconds per step, examples per second and gradient-phase seconds on 1 and on 2
   * ranks; the bytes one step all-reduces (both tasks' counts and gradients); examples per second
   * projected for {@link #MACHINES} machines at each of {@link #BANDWIDTHS}.
   */
  public record Row(String method, int batch_size, int steps, double step_s_1, double examples_per_s_1,
      double grads_s_1, double optim_s_1, double step_s_2, double examples_per_s_2, double grads_s_2,
      long allreduce_bytes_per_step, Long projected_gradient_bytes_per_step, double loopback_gbit_per_s,
      Map<String, List<Double>> projected_examples_per_s) {}

  private final Path data;
  private final Path cacheDir;
  private final int steps;
  private final int batchSize;
  private final PrintStream progress;

  public DdpBenchmark(Path data, Path cacheDir, int steps, int batchSize, PrintStream progress) {
    if (steps < 1) {
      throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
    }
    if (batchSize < 2) {
      throw new IllegalArgumentException("--batch-size must be >= 2 (two ranks share it), got " + batchSize);
    }
    this.data = data;
    this.cacheDir = cacheDir;
    this.steps = steps;
    this.batchSize = batchSize;
    this.progress = progress;
  }

  public List<Row> run(List<TrainMethod> methods) throws Exception {
    Dataset dataset = Dataset.load(data);
    int cores = Runtime.getRuntime().availableProcessors();
    int torchBefore = torch.get_num_threads(), blasBefore = BlasThreads.current();
    List<Row> rows = new ArrayList<>();
    try {
      SplitData split = Splitter.split(dataset, HISTORY); // one split for every method
      for (TrainMethod m : methods) {
        TrainConfig config = GemsTrainer.builder(data, Path.of("unused")).method(m).batchSize(batchSize)
            .maxTokens(48).historyLength(HISTORY).steps(1000).cacheDir(cacheDir).config();
        threads(cores);
        Measured one = measureRanks(config, dataset, split.train(), 1);
        threads(1);
        Measured two = measureRanks(config, dataset, split.train(), 2);
        double loopback = 8.0 * two.bytes / Math.max(1e-9, two.grads - one.grads) / 1e9;
        Map<String, List<Double>> projected = new LinkedHashMap<>();
        for (double bw : BANDWIDTHS) {
          List<Double> perN = new ArrayList<>();
          for (int n : MACHINES) {
            // the passes split over the machines; every rank copies its gradients and runs the same optimizer step
            double comm = n == 1 ? 0 : 2.0 * (n - 1) / n * two.bytes / bw;
            double replicated = one.grads + one.optim;
            perN.add(batchSize / ((one.step - replicated) / n + replicated + comm));
          }
          projected.put(String.format("%.0f_gbit", bw * 8 / 1e9), perN);
        }
        rows.add(new Row(config.name(), batchSize, steps, one.step, batchSize / one.step, one.grads, one.optim, two.step,
            batchSize / two.step, two.grads, two.bytes, one.projectedBytes, loopback, projected));
        progress.printf("bench ddp: %s done%n", config.name());
      }
    } finally {
      threads(torchBefore);
      BlasThreads.set(Math.max(1, blasBefore));
    }
    return rows;
  }

  private static void threads(int n) {
    torch.set_num_threads(n);
    BlasThreads.set(n);
  }

  /**
   * Mean seconds per measured step, in the gradient phase and in the optimizer (rank 0's), and the
   * bytes all-reduced per step.
   */
  private record Measured(double step, double grads, double optim, long bytes, Long projectedBytes) {}

  private Measured measureRanks(TrainConfig config, Dataset dataset, List<Example> train, int world) throws Exception {
    if (world == 1) {
      return measure(config, dataset, train, new DataParallel(null));
    }
    int port = LocalRanks.freePort();
    ExecutorService pool = Executors.newFixedThreadPool(world);
    try {
      List<Future<Measured>> ranks = new ArrayList<>();
      for (int rank = 0; rank < world; rank++) {
        Launch launch = new Launch(rank, world, rank, "127.0.0.1", port, false);
        ranks.add(pool.submit(() -> {
          try (ProcessGroup group = ProcessGroup.join(launch, Duration.ofMinutes(10))) {
            return measure(config, dataset, train, new DataParallel(group));
          }
        }));
      }
      Measured rank0 = ranks.get(0).get();
      for (Future<Measured> f : ranks.subList(1, world)) {
        f.get();
      }
      return rank0;
    } finally {
      pool.shutdownNow();
    }
  }

  private Measured measure(TrainConfig config, Dataset dataset, List<Example> train, DataParallel ranks)
      throws IOException {
    ModelFactory.Built built = ModelFactory.build(config.model(), dataset.items(), config.seed(), cacheDir);
    try (GenerativeModel model = built.model()) {
      Map<String, Tensor> bases = config.usesNullSpace() ? NullSpaceEstimator.protectedBases(model,
          config.knowledgeCorpus(), config.nullSpaceEnergy(), cacheDir) : null;
      Adaptation adaptation = new Adaptation(config, model, bases);
      TrainStep step = new TrainStep(model, adaptation, config.dropout(), ranks);
      BatchOrder order = new BatchOrder(train.size(), config.batchSize(), config.seed());
      long floats = adaptation.trainable().values().stream().mapToLong(Tensor::numel).sum();
      double stepSeconds = 0, gradSeconds = 0, optimSeconds = 0;
      for (long t = 1; t <= 2 + steps; t++) { // 2 warm-up steps: allocation and the first basis refresh
        List<Example> search = new ArrayList<>(), rec = new ArrayList<>();
        for (int i : ranks.shard(order.batch(t))) {
          (train.get(i).task() == Task.SEARCH ? search : rec).add(train.get(i));
        }
        torch.manual_seed(config.seed() * 1_000_003L + t);
        step.resetTimes();
        long start = System.nanoTime();
        try (PointerScope scope = new PointerScope()) {
          step.run(search, rec);
        }
        if (t > 2) {
          stepSeconds += (System.nanoTime() - start) / 1e9;
          gradSeconds += step.seconds().get(TrainStep.Phase.GRADIENTS);
          optimSeconds += step.seconds().get(TrainStep.Phase.OPTIMIZER);
        }
      }
      // per task: the count and summed loss (2 float64), then every gradient (float32)
      long bytes = 2 * (16 + 4 * floats);
      return new Measured(stepSeconds / steps, gradSeconds / steps, optimSeconds / steps, bytes,
          config.method() == TrainMethod.GEMS ? projectedBytes(config, model, adaptation) : null);
    }
  }

  /**
   * What one step would all-reduce if GEMS sent each task's projected gradients between refreshes
   * instead of its full ones (not built): per targeted m x n weight and task, its projections on
   * the shared and that task's subspace, (r_sh + r_task) x max(m, n) floats; every other
   * trainable parameter (biases, norms, the decoder) in full; the counts and losses as now.
   */
  private static long projectedBytes(TrainConfig config, GenerativeModel model, Adaptation adaptation) {
    java.util.Set<String> targeted = new java.util.HashSet<>(model.encoder.targetedNames());
    long perTask = 16;
    for (Map.Entry<String, Tensor> e : adaptation.trainable().entrySet()) {
      Tensor p = e.getValue();
      perTask += 4 * (targeted.contains(e.getKey()) && p.dim() == 2
          ? (long) (config.rankShared() + config.rankTask()) * Math.max(p.size(0), p.size(1)) : p.numel());
    }
    return 2 * perTask;
  }

  public static void print(List<Row> rows, PrintStream out) {
    out.printf("%-6s %8s %8s %8s %8s %8s %8s %8s %10s %10s %9s%n", "method", "step_1", "ex/s_1", "grads_1",
        "optim_1", "step_2", "ex/s_2", "grads_2", "MB/step", "proj_MB", "loop_Gb/s");
    for (Row r : rows) {
      out.printf("%-6s %8.3f %8.1f %8.3f %8.3f %8.3f %8.1f %8.3f %10.1f %10s %9.2f%n", r.method(), r.step_s_1(),
          r.examples_per_s_1(), r.grads_s_1(), r.optim_s_1(), r.step_s_2(), r.examples_per_s_2(), r.grads_s_2(),
          r.allreduce_bytes_per_step() / 1e6, r.projected_gradient_bytes_per_step() == null ? "-"
              : String.format("%.1f", r.projected_gradient_bytes_per_step() / 1e6), r.loopback_gbit_per_s());
    }
    StringBuilder head = new StringBuilder("projected ex/s on N machines, one rank each: the 1-rank passes / N, plus "
        + "the gradient copies and optimizer step every rank repeats, plus the ring all-reduce's 2(N-1)/N x MB/step:\n").append(String.format("%-6s %-9s", "method", "network"));
    for (int n : MACHINES) {
      head.append(String.format(" %8s", "N=" + n));
    }
    out.println(head);
    for (Row r : rows) {
      r.projected_examples_per_s().forEach((bw, perN) -> {
        StringBuilder line = new StringBuilder(String.format("%-6s %-9s", r.method(), bw.replace("_", " ")));
        perN.forEach(v -> line.append(String.format(" %8.1f", v)));
        out.println(line);
      });
    }
    out.println("step_1, step_2: seconds per step on 1 rank (whole batch) and 2 ranks (half each); grads: the gradient "
        + "phase (copies; on 2 ranks also the all-reduce); optim: the optimizer step; proj_MB: what GEMS would all-reduce "
        + "sending projected gradients between refreshes (not built); loop_Gb/s: the all-reduce's bytes over its extra time on "
        + "loopback");
  }

  /** Writes {"rows": [...], "meta": {...}} atomically. */
  public static void writeJson(List<Row> rows, String data, double loadBefore, Path file) throws IOException {
    Map<String, Object> meta = BenchJson.meta(data, loadBefore);
    meta.put("ranks", "2 ranks: two threads of one JVM, each with its own model and Gloo group on loopback, 1 "
        + "torch and BLAS thread each; 1 rank: a torch and BLAS thread per core");
    BenchJson.write(rows, meta, file);
  }
}
