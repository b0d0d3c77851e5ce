package org.gemsj.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.backbone.Lora;
import org.gemsj.model.GenerativeModel;
import org.gemsj.model.ParamFile;
import org.gemsj.model.Params;
import org.gemsj.optim.GemsConfig;
import org.gemsj.optim.GemsOptimizer;
import org.gemsj.optim.LrSchedule;
import org.gemsj.optim.Method;
import org.gemsj.optim.TaskBatch;

/**
 * What a training method trains and how: the encoder's optimizer (GEMS, GaLore, AdamW, or
 * AdamW on LoRA adapters) and the decoder's (always AdamW), over the model's parameters.
 */
public final class Adaptation {
  static final String WORD_EMBEDDINGS = "embeddings.word_embeddings.weight";

  private final TrainConfig config;
  private final GenerativeModel model;
  private final Params lora = new Params();
  private final Map<String, Lora> adapters = new LinkedHashMap<>();
  private final GemsOptimizer encoderOptimizer;
  private final GemsOptimizer decoderOptimizer;
  private final Map<String, Tensor> trainable = new LinkedHashMap<>();

  public Adaptation(TrainConfig config, GenerativeModel model, Map<String, Tensor> protectedBases) {
    this.config = config;
    this.model = model;
    List<String> targeted = model.encoder.targetedNames();
    List<String> encoderOthers = new ArrayList<>(model.encoder.allNames());
    encoderOthers.removeAll(targeted);
    // The 30k-row word embedding is frozen for every method: a run touches few of its rows, and
    // AdamW over all of them costs more than the encoder's targeted weights together.
    String words = model.encoder.fullName(WORD_EMBEDDINGS);
    encoderOthers.remove(words);
    model.params.get(words).set_requires_grad(false);
    int warmup = (int) Math.round(config.warmupFraction() * config.steps());
    LrSchedule encoderSchedule = new LrSchedule(config.lr(), warmup, config.steps() + 1, 0.0);
    GemsConfig.Builder encoder = GemsConfig.builder().schedule(encoderSchedule).weightDecay(config.weightDecay())
        .seed(config.seed());
    List<GemsOptimizer.Param> encTargeted = new ArrayList<>(), encOthers = new ArrayList<>();
    switch (config.method()) {
      case GEMS, GALORE -> {
        boolean single = config.method() == TrainMethod.GALORE || config.singleSubspace();
        encoder.method(single ? Method.GALORE : Method.GEMS).rankShared(config.rankShared())
            .rankTask(config.rankTask()).refreshInterval(config.refreshInterval()).alpha(config.alpha())
            .refreshWarmup(config.refreshWarmup()).decomposition(config.decomposition())
            .gating(config.gates().gating())
            .nullSpace(config.usesNullSpace());
        targeted.forEach(n -> encTargeted.add(param(n, model.params.get(n))));
        encoderOthers.forEach(n -> encOthers.add(param(n, model.params.get(n))));
      }
      case FULL -> {
        encoder.method(Method.ADAMW);
        targeted.forEach(n -> encTargeted.add(param(n, model.params.get(n))));
        encoderOthers.forEach(n -> encOthers.add(param(n, model.params.get(n))));
      }
      case LORA -> {
        encoder.method(Method.ADAMW);
        // the adapters' draws depend on the seed alone, not on what ran before (rank 0 of a
        // data-parallel run scores the baselines, which draw too; the other ranks do not)
        torch.manual_seed(config.seed() * 1_000_003L + 2);
        model.encoder.allNames().forEach(n -> model.params.get(n).set_requires_grad(false));
        for (String n : targeted) {
          Tensor w = model.params.get(n);
          long out = w.size(0), in = w.size(1);
          Tensor a = lora.add(n + ".lora_a", torch.rand(config.loraRank(), in).mul_(new Scalar(2))
              .sub_(new Scalar(1)).mul_(new Scalar(1 / Math.sqrt(in)))); // PEFT's kaiming-uniform bound
          Tensor b = lora.add(n + ".lora_b", torch.zeros(out, config.loraRank()));
          Lora adapter = new Lora(a, b, config.loraAlpha() / config.loraRank(), config.loraDropout());
          adapters.put(n, adapter);
          model.encoder.addLora(n, adapter);
          encOthers.add(param(n + ".lora_a", a));
          encOthers.add(param(n + ".lora_b", b));
        }
      }
      default -> throw new IllegalStateException();
    }
    encoderOptimizer = new GemsOptimizer(encoder.build(), encTargeted, encOthers);
    if (config.usesNullSpace()) {
      for (String n : targeted) {
        encoderOptimizer.setNullBasis(n, protectedBases.get(n));
      }
    }
    List<GemsOptimizer.Param> dec = new ArrayList<>();
    for (String n : model.decoder.names()) {
      dec.add(param(n, model.params.get(n)));
    }
    LrSchedule decoderSchedule = new LrSchedule(config.decoderLr(), warmup, config.steps() + 1, 0.0);
    decoderOptimizer = new GemsOptimizer(GemsConfig.builder().method(Method.ADAMW).schedule(decoderSchedule)
        .weightDecay(config.weightDecay()).build(), List.of(), dec);
  }

  private GemsOptimizer.Param param(String name, Tensor t) {
    trainable.put(name, t);
    return new GemsOptimizer.Param(name, t);
  }

  /** Every tensor that receives gradients, by name. */
  public Map<String, Tensor> trainable() {
    return trainable;
  }

  /** Applies one step from the two task batches' gradients; returns the encoder optimizer's report. */
  public GemsOptimizer.StepReport step(TaskBatch search, TaskBatch rec) {
    GemsOptimizer.StepReport report = encoderOptimizer.step(search, rec);
    decoderOptimizer.step(search, rec);
    return report;
  }

  /**
   * Per targeted weight, the cosine between the search and rec gradients this step ({@code raw}:
   * of the weight, or of its LoRA adapters A and B together) and between the tasks' parts of the
   * update the optimizer applied ({@code applied}: after projections, gates and Adam's
   * preconditioner; {@link GemsOptimizer#appliedInnerProducts}), for every method. Empty maps
   * when a task is absent.
   */
  public record Conflict(Map<String, Double> raw, Map<String, Double> applied) {}

  public Conflict conflict(TaskBatch search, TaskBatch rec, GemsOptimizer.StepReport report) {
    Map<String, Double> raw = new LinkedHashMap<>(), applied = new LinkedHashMap<>();
    if (search.count() == 0 || rec.count() == 0) {
      return new Conflict(raw, applied);
    }
    try (PointerScope scope = new PointerScope()) {
      for (String n : model.encoder.targetedNames()) {
        List<String> parts = adapters.containsKey(n) ? List.of(n + ".lora_a", n + ".lora_b") : List.of(n);
        double[] r = new double[3], a = new double[3];
        for (String p : parts) {
          Tensor gs = search.grads().get(p), gr = rec.grads().get(p);
          r[0] += gs.flatten().dot(gr.flatten()).item_double();
          r[1] += gs.square().sum().item_double();
          r[2] += gr.square().sum().item_double();
          if (report.step() > 1) { // at step 1 Adam's denominator is |this gradient|: no meaningful split (ConflictAnalysis)
            double[] part = encoderOptimizer.appliedInnerProducts(p, search, rec, report);
            for (int i = 0; i < 3; i++) {
              a[i] += part[i];
            }
          }
        }
        raw.put(n, cosine(r));
        if (report.step() > 1) {
          applied.put(n, cosine(a));
        }
      }
    }
    return new Conflict(raw, applied);
  }

  private static double cosine(double[] dots) {
    return dots[1] == 0 || dots[2] == 0 ? Double.NaN : dots[0] / Math.sqrt(dots[1] * dots[2]);
  }

  public long stateBytes() {
    return encoderOptimizer.stateBytes() + decoderOptimizer.stateBytes();
  }

  /** The weights to save for inference: LoRA adapters merged into their weights (W + s B A). */
  public Map<String, Tensor> inferenceWeights() {
    Map<String, Tensor> out = new LinkedHashMap<>(model.params.asMap());
    try (NoGradGuard g = new NoGradGuard()) {
      adapters.forEach((n, a) -> out.put(n, model.params.get(n).add(a.b().mm(a.a()).mul(new Scalar(a.scale())))));
    }
    return out;
  }

  /** Optimizer states and LoRA weights, for a checkpoint. */
  public void save(Path dir) throws IOException {
    encoderOptimizer.save(dir.resolve("encoder-optimizer.bin"));
    decoderOptimizer.save(dir.resolve("decoder-optimizer.bin"));
    if (!adapters.isEmpty()) {
      ParamFile.write(dir.resolve("lora.bin"), lora.asMap());
    }
  }

  public void load(Path dir) throws IOException {
    encoderOptimizer.load(dir.resolve("encoder-optimizer.bin"));
    decoderOptimizer.load(dir.resolve("decoder-optimizer.bin"));
    if (!adapters.isEmpty()) {
      Params saved = ParamFile.read(dir.resolve("lora.bin"));
      try (NoGradGuard g = new NoGradGuard(); PointerScope s = new PointerScope()) {
        for (String n : lora.names()) {
          lora.get(n).copy_(saved.get(n));
        }
      }
    }
  }
}
