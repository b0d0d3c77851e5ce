package org.gemsj.backbone;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.model.Params;
import org.gemsj.torch.Attention;
import org.gemsj.torch.Tensors;

/**
 * A BERT encoder written with libtorch ops, holding its weights in a {@link Params} under
 * Hugging Face's names, so pretrained weights load by name and the optimizer sees plain
 * named tensors. Optional LoRA adapters sit on the targeted Linears.
 */
public final class BertEncoder {
  /** Suffixes of the targeted 2-D weights of each layer (attention q/k/v/o and the FFN). */
  public static final List<String> TARGETED_SUFFIXES = List.of(
      "attention.self.query.weight", "attention.self.key.weight", "attention.self.value.weight",
      "attention.output.dense.weight", "intermediate.dense.weight", "output.dense.weight");

  public final BertConfig config;
  public final Params params;
  private final String prefix;
  private final Map<String, Lora> lora = new HashMap<>();
  private BiConsumer<String, Tensor> activationHook;

  private BertEncoder(BertConfig config, Params params, String prefix) {
    this.config = config;
    this.params = params;
    this.prefix = prefix;
  }

  /** An encoder of pretrained {@code weights} (by Hugging Face name), copied into {@code params} under {@code prefix}. */
  static BertEncoder fromWeights(BertConfig config, Map<String, Weight> weights, String source, Params params,
      String prefix) throws IOException {
    BertEncoder encoder = new BertEncoder(config, params, prefix);
    for (String name : encoder.weightNames()) {
      Weight w = weights.get(name);
      if (w == null) {
        throw new IOException(source + ": no weight '" + name + "'");
      }
      try (Tensor t = Tensors.fromFloats(w.values(), w.shape())) {
        params.add(prefix + name, t);
      }
    }
    return encoder;
  }

  /** An encoder over weights already in {@code params} (a saved model). */
  public static BertEncoder attach(BertConfig config, Params params, String prefix) {
    BertEncoder encoder = new BertEncoder(config, params, prefix);
    for (String name : encoder.weightNames()) {
      params.get(prefix + name);
    }
    return encoder;
  }

  /** Every weight name of this encoder, without prefix, in registration order. */
  public List<String> weightNames() {
    return List.copyOf(weightShapes(config).keySet());
  }

  /**
   * Every weight of a BERT encoder of this shape, without prefix, in registration order, with its
   * shape: the layout pretrained weights are mapped to.
   */
  public static Map<String, long[]> weightShapes(BertConfig c) {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    long h = c.hidden(), f = c.intermediate();
    shapes.put("embeddings.word_embeddings.weight", new long[] {c.vocab(), h});
    shapes.put("embeddings.position_embeddings.weight", new long[] {c.maxPositions(), h});
    shapes.put("embeddings.token_type_embeddings.weight", new long[] {c.typeVocab(), h});
    shapes.put("embeddings.LayerNorm.weight", new long[] {h});
    shapes.put("embeddings.LayerNorm.bias", new long[] {h});
    for (int l = 0; l < c.layers(); l++) {
      String p = "encoder.layer." + l + ".";
      for (String s : TARGETED_SUFFIXES) {
        long[] shape = s.startsWith("intermediate.") ? new long[] {f, h}
            : s.startsWith("output.") ? new long[] {h, f} : new long[] {h, h};
        shapes.put(p + s, shape);
        shapes.put(p + s.replace(".weight", ".bias"), new long[] {shape[0]});
      }
      for (String ln : List.of("attention.output.LayerNorm", "output.LayerNorm")) {
        shapes.put(p + ln + ".weight", new long[] {h});
        shapes.put(p + ln + ".bias", new long[] {h});
      }
    }
    return shapes;
  }

  /** Full names (with prefix) of the targeted 2-D weights, layer by layer. */
  public List<String> targetedNames() {
    List<String> names = new ArrayList<>();
    for (int l = 0; l < config.layers(); l++) {
      for (String s : TARGETED_SUFFIXES) {
        names.add(prefix + "encoder.layer." + l + "." + s);
      }
    }
    return names;
  }

  /** The full (prefixed) name of one of {@link #weightNames()}. */
  public String fullName(String name) {
    return prefix + name;
  }

  /** Full names of every encoder weight. */
  public List<String> allNames() {
    return weightNames().stream().map(n -> prefix + n).toList();
  }

  /** Puts a LoRA adapter on the targeted weight {@code fullName}. */
  public void addLora(String fullName, Lora adapter) {
    lora.put(fullName, adapter);
  }

  /** Receives (targeted weight name, that Linear's output) during forward; null to stop. */
  public void setActivationHook(BiConsumer<String, Tensor> hook) {
    this.activationHook = hook;
  }

  /**
   * Token states [B, T, H] of {@code ids} [B, T] (int64) with {@code mask} [B, T] (1 = token,
   * 0 = padding) and {@code types} [B, T]; {@code dropout} > 0 only in training.
   */
  public Tensor forward(Tensor ids, Tensor mask, Tensor types, double dropout) {
    return forward(ids, mask, types, null, null, dropout);
  }

  /**
   * As {@link #forward(Tensor, Tensor, Tensor, double)}, with the input vectors of some positions
   * taken from {@code table} instead of the word embeddings: where {@code rows} [B, T] (int64) is
   * above 0, the position's vector is {@code table[rows]} (e.g. an item's identifier embedding).
   * Both null: the plain text forward.
   */
  public Tensor forward(Tensor ids, Tensor mask, Tensor types, Tensor rows, Tensor table, double dropout) {
    long t = ids.size(1);
    if (t > config.maxTokens()) {
      throw new IllegalArgumentException("sequence of " + t + " tokens exceeds the encoder's " + config.maxTokens());
    }
    Tensor positions = torch.arange(new Scalar(config.positionOffset()), new Scalar(config.positionOffset() + t),
        new TensorOptions(torch.ScalarType.Long));
    if (config.typeVocab() == 1) { // one type: a pair's second text is type 0 too
      types = torch.zeros_like(types);
    }
    Tensor words = torch.embedding(p("embeddings.word_embeddings.weight"), ids);
    if (rows != null) {
      words = torch.where(rows.gt(new Scalar(0)).unsqueeze(-1), torch.embedding(table, rows), words);
    }
    Tensor x = words
        .add(torch.embedding(p("embeddings.position_embeddings.weight"), positions).unsqueeze(0))
        .add(torch.embedding(p("embeddings.token_type_embeddings.weight"), types));
    x = layerNorm(x, "embeddings.LayerNorm");
    x = torch.dropout(x, dropout, dropout > 0);
    Tensor bias = Attention.paddingBias(mask);
    for (int l = 0; l < config.layers(); l++) {
      x = layer(x, bias, "encoder.layer." + l + ".", dropout);
    }
    return x;
  }

  private Tensor layer(Tensor x, Tensor bias, String p, double dropout) {
    boolean training = dropout > 0; // a parameter, not a field: forwards may run on several threads at once
    Tensor context = Attention.attend(linear(x, p + "attention.self.query", training),
        linear(x, p + "attention.self.key", training), linear(x, p + "attention.self.value", training), bias,
        config.heads(), dropout);
    Tensor attn = torch.dropout(linear(context, p + "attention.output.dense", training), dropout, training);
    x = layerNorm(x.add(attn), p + "attention.output.LayerNorm");
    Tensor h = torch.gelu(linear(x, p + "intermediate.dense", training));
    Tensor out = torch.dropout(linear(h, p + "output.dense", training), dropout, training);
    return layerNorm(x.add(out), p + "output.LayerNorm");
  }

  /** LoRA's dropout applies only while {@code training}. */
  private Tensor linear(Tensor x, String module, boolean training) {
    String weight = prefix + module + ".weight";
    Tensor y = torch.linear(x, params.get(weight), new TensorOptional(p(module + ".bias")));
    Lora adapter = lora.get(weight);
    if (adapter != null) {
      Tensor dropped = torch.dropout(x, adapter.dropout(), adapter.dropout() > 0 && training);
      y = y.add(torch.linear(torch.linear(dropped, adapter.a()), adapter.b()).mul(new Scalar(adapter.scale())));
    }
    if (activationHook != null) {
      activationHook.accept(weight, y);
    }
    return y;
  }

  private Tensor layerNorm(Tensor x, String module) {
    return torch.layer_norm(x, new long[] {config.hidden()}, new TensorOptional(p(module + ".weight")),
        new TensorOptional(p(module + ".bias")), config.eps(), false);
  }

  private Tensor p(String name) {
    return params.get(prefix + name);
  }

  /** One L2-normalised embedding per sequence [B, H], pooled as {@code pooling} says. */
  public static Tensor pool(Tensor states, Tensor mask, Backbone.Pooling pooling) {
    Tensor pooled;
    if (pooling == Backbone.Pooling.CLS) {
      pooled = states.select(1, 0);
    } else {
      Tensor m = mask.to(torch.ScalarType.Float).unsqueeze(-1);
      pooled = states.mul(m).sum(new long[] {1}, false, new ScalarTypeOptional())
          .div(m.sum(new long[] {1}, false, new ScalarTypeOptional()).clamp_min(new Scalar(1e-9)));
    }
    Tensor norm = pooled.norm(new ScalarOptional(new Scalar(2.0)), new long[] {1}, true)
        .clamp_min(new Scalar(1e-12));
    return pooled.div(norm);
  }
}
