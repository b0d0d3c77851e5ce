package org.gemsj.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.api.GemsTrainer;
import org.gemsj.data.Dataset;
import org.gemsj.data.Example;
import org.gemsj.data.SplitData;
import org.gemsj.data.Splitter;
import org.gemsj.data.Task;
import org.gemsj.io.AtomicFiles;
import org.gemsj.model.GenerativeModel;
import org.gemsj.model.ModelFactory;
import org.gemsj.torch.Tensors;
import org.gemsj.train.Adaptation;
import org.gemsj.train.BatchOrder;
import org.gemsj.backbone.Backbone;
import org.gemsj.train.NullSpaceEstimator;
import org.gemsj.train.TrainConfig;
import org.gemsj.train.TrainMethod;
import org.gemsj.train.TrainStep;

/**
 * The time of one training step, split into its phases ({@link TrainStep.Phase}), for gems and
 * full at each shape and backbone, with the floor beside it: the encoder's forward and backward alone on the
 * same two task batches (a fixed upstream gradient, no decoder, no optimizer). Steps are the
 * trainer's own ({@link TrainStep}) on the dataset's training examples in the trainer's order.
 * Within a shape the methods and backbones alternate round by round, so a busy machine slows all
 * alike.
 */
public final class TrainBenchmark {
  /** A shape to measure: name, examples per step, encoder input length, history length. */
  public record Shape(String name, int batchSize, int maxTokens, int history) {}

  /** The trainer's defaults and the demo's. */
  public static final List<Shape> SHAPES = List.of(new Shape("default", 32, 96, 20), new Shape("demo", 16, 48, 10));

  /**
   * One measured (shape, backbone, method): mean seconds per step and per phase, examples per
   * second, the floor (encoder forward + backward of both task batches), and step / floor.
   */
  public record Row(String shape, String backbone, String method, int batch_size, int max_tokens, int history, int steps,
      double step_s, Map<String, Double> phases_s, double examples_per_s, double floor_s, double step_over_floor) {}

  private final Path data;
  private final Path cacheDir;
  private final int steps;
  private final PrintStream progress;

  public TrainBenchmark(Path data, Path cacheDir, int steps, PrintStream progress) {
    if (steps < 1) {
      throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
    }
    this.data = data;
    this.cacheDir = cacheDir;
    this.steps = steps;
    this.progress = progress;
  }

  public List<Row> run(List<Shape> shapes, List<TrainMethod> methods, List<Backbone> backbones) throws IOException {
    Dataset dataset = Dataset.load(data);
    List<Row> rows = new ArrayList<>();
    for (Shape shape : shapes) {
      SplitData split = Splitter.split(dataset, shape.history());
      List<Setup> setups = new ArrayList<>();
      for (Backbone b : backbones) {
        for (TrainMethod m : methods) {
          setups.add(new Setup(config(shape, m, b), dataset, split.train().size(), cacheDir));
        }
      }
      try {
        // warm-up: first steps pay for allocation and the first basis refresh
        for (Setup s : setups) {
          s.step(split.train(), 1, false);
          s.step(split.train(), 2, false);
        }
        for (int t = 3; t < 3 + steps; t++) {
          for (Setup s : setups) {
            s.step(split.train(), t, true);
          }
          progress.printf("bench train: %s shape, step %d of %d%n", shape.name(), t - 2, steps);
        }
        for (Setup s : setups) {
          rows.add(s.row(shape, steps));
        }
      } finally {
        setups.forEach(Setup::close);
      }
    }
    return rows;
  }

  private TrainConfig config(Shape shape, TrainMethod m, Backbone b) {
    return GemsTrainer.builder(data, Path.of("unused")).method(m).backbone(b).batchSize(shape.batchSize())
        .maxTokens(shape.maxTokens()).historyLength(shape.history()).steps(1000).cacheDir(cacheDir).config();
  }

  /** One method's model, optimizers and accumulated times. */
  private static final class Setup implements AutoCloseable {
    final TrainConfig config;
    final GenerativeModel model;
    final TrainStep step;
    final BatchOrder order;
    double stepSeconds, floorSeconds;
    Map<TrainStep.Phase, Double> phases = new LinkedHashMap<>();

    Setup(TrainConfig config, Dataset dataset, int trainSize, Path cacheDir) throws IOException {
      this.config = config;
      ModelFactory.Built built = ModelFactory.build(config.model(), dataset.items(), config.seed(), cacheDir);
      model = built.model();
      Map<String, Tensor> bases = config.usesNullSpace() ? NullSpaceEstimator.protectedBases(model,
          config.knowledgeCorpus(), config.nullSpaceEnergy(), cacheDir) : null;
      step = new TrainStep(model, new Adaptation(config, model, bases), config.dropout());
      order = new BatchOrder(trainSize, config.batchSize(), config.seed());
    }

    void step(List<Example> train, long t, boolean measured) {
      List<Example> search = new ArrayList<>(), rec = new ArrayList<>();
      for (int i : order.batch(t)) {
        (train.get(i).task() == Task.SEARCH ? search : rec).add(train.get(i));
      }
      torch.manual_seed(config.seed() * 1_000_003L + t);
      step.resetTimes();
      long start = System.nanoTime();
      try (PointerScope scope = new PointerScope()) {
        step.run(search, rec);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      double floor = floor(search) + floor(rec);
      if (measured) {
        stepSeconds += seconds;
        floorSeconds += floor;
        step.seconds().forEach((p, s) -> phases.merge(p, s, Double::sum));
      }
    }

    /** Encoder forward + backward of one task batch alone (inputs prepared beforehand, not timed). */
    private double floor(List<Example> batch) {
      if (batch.isEmpty()) {
        return 0;
      }
      try (PointerScope scope = new PointerScope()) {
        var input = model.input(batch);
        long start = System.nanoTime();
        GenerativeModel.Encoded enc = model.encode(input, config.dropout());
        Tensor upstream = torch.ones_like(enc.states()).mul_(Tensors.scalar(1e-3));
        enc.states().backward(upstream, new BoolOptional(), false, new TensorArrayRefOptional());
        double seconds = (System.nanoTime() - start) / 1e9;
        for (Tensor p : model.params.asMap().values()) {
          if (p.grad().defined()) {
            p.grad().zero_();
          }
        }
        return seconds;
      }
    }

    Row row(Shape shape, int steps) {
      Map<String, Double> perPhase = new LinkedHashMap<>();
      phases.forEach((p, s) -> perPhase.put(p.name().toLowerCase(), s / steps));
      double perStep = stepSeconds / steps, floor = floorSeconds / steps;
      return new Row(shape.name(), config.model().backbone().label(), config.name(), shape.batchSize(),
          shape.maxTokens(), shape.history(), steps,
          perStep, perPhase, shape.batchSize() / perStep, floor, perStep / floor);
    }

    @Override
    public void close() {
      model.close();
    }
  }

  public static void print(List<Row> rows, PrintStream out) {
    List<TrainStep.Phase> phases = List.of(TrainStep.Phase.values());
    StringBuilder head = new StringBuilder(String.format("%-8s %-12s %-6s %7s", "shape", "backbone", "method",
        "step_s"));
    for (TrainStep.Phase p : phases) {
      head.append(String.format(" %9s", abbreviation(p)));
    }
    out.println(head.append(String.format(" %7s %7s %10s", "ex/s", "floor_s", "step/floor")));
    for (Row r : rows) {
      StringBuilder line = new StringBuilder(String.format("%-8s %-12s %-6s %7.3f", r.shape(), shortName(r.backbone()),
          r.method(), r.step_s()));
      for (TrainStep.Phase p : phases) {
        line.append(String.format(" %9.3f", r.phases_s().getOrDefault(p.name().toLowerCase(), 0.0)));
      }
      out.println(line.append(String.format(" %7.1f %7.3f %10.2f", r.examples_per_s(), r.floor_s(),
          r.step_over_floor())));
    }
    for (String shape : rows.stream().map(Row::shape).distinct().toList()) {
      List<String> backbones = rows.stream().map(Row::backbone).distinct().toList();
      for (String b : backbones) {
        Row gems = find(rows, shape, b, "gems"), full = find(rows, shape, b, "full");
        if (gems != null && full != null) {
          out.printf("%s, %s: gems step / full step = %.2f%n", shape, shortName(b), gems.step_s() / full.step_s());
        }
      }
      for (String m : rows.stream().map(Row::method).distinct().toList()) {
        Row first = find(rows, shape, backbones.get(0), m);
        for (String b : backbones.subList(1, backbones.size())) {
          Row other = find(rows, shape, b, m);
          if (first != null && other != null) {
            out.printf("%s, %s: %s step / %s step = %.2f%n", shape, m, shortName(b), shortName(backbones.get(0)),
                other.step_s() / first.step_s());
          }
        }
      }
    }
    out.println("phases: " + String.join(", ", phases.stream().map(p -> abbreviation(p) + " = " + p.label).toList()));
  }

  private static String abbreviation(TrainStep.Phase p) {
    return switch (p) {
      case INPUT -> "input";
      case ENCODER_FORWARD -> "enc_fwd";
      case DECODER -> "decoder";
      case ENCODER_BACKWARD -> "enc_bwd";
      case GRADIENTS -> "grads";
      case OPTIMIZER -> "optim";
    };
  }

  private static Row find(List<Row> rows, String shape, String backbone, String method) {
    return rows.stream().filter(r -> r.shape().equals(shape) && r.backbone().equals(backbone)
        && r.method().equals(method)).findFirst().orElse(null);
  }

  /** A backbone's name for the table: a directory by its last component. */
  private static String shortName(String backbone) {
    return Path.of(backbone).getFileName().toString();
  }

  /** Writes {"rows": [...], "meta": {...}} atomically. */
  public static void writeJson(List<Row> rows, String data, double loadBefore, Path file) throws IOException {
    Map<String, Object> meta = BenchJson.meta(data, loadBefore);
    meta.put("floor", "encoder forward + backward of the step's two task batches, fixed upstream gradient");
    BenchJson.write(rows, meta, file);
  }
}
