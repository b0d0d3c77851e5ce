package org.gemsj.model;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.torch.Attention;

/**
 * A small pre-LayerNorm Transformer decoder that reads identifier tokens, attends to itself
 * (causally) and to the encoder's token states, and scores the next token with the token
 * embedding table (tied output layer). Fresh weights, seeded by the caller's torch seed.
 */
public final class ItemDecoder {
  public final DecoderConfig config;
  private final Params params;
  private final String prefix;

  private ItemDecoder(DecoderConfig config, Params params, String prefix) {
    this.config = config;
    this.params = params;
    this.prefix = prefix;
  }

  /** A decoder with fresh weights (N(0, 0.02) matrices, zero biases, unit LayerNorms). */
  public static ItemDecoder create(DecoderConfig config, Params params, String prefix, int memoryWidth) {
    ItemDecoder d = new ItemDecoder(config, params, prefix);
    int w = config.width();
    d.normal("token_embedding", config.vocabulary(), w);
    d.normal("position_embedding", config.positions(), w);
    if (memoryWidth != w) {
      d.linearWeights("memory_projection", w, memoryWidth);
    }
    for (int l = 0; l < config.layers(); l++) {
      String p = "layer." + l + ".";
      for (String attn : List.of("self", "cross")) {
        d.layerNorm(p + attn + "_norm", w);
        for (String proj : List.of("query", "key", "value", "output")) {
          d.linearWeights(p + attn + "." + proj, w, w);
        }
      }
      d.layerNorm(p + "ffn_norm", w);
      d.linearWeights(p + "ffn.in", config.ffn(), w);
      d.linearWeights(p + "ffn.out", w, config.ffn());
    }
    d.layerNorm("final_norm", w);
    params.add(prefix + "output_bias", torch.zeros(config.vocabulary()));
    return d;
  }

  /** A decoder over weights already in {@code params}. */
  public static ItemDecoder attach(DecoderConfig config, Params params, String prefix) {
    return new ItemDecoder(config, params, prefix);
  }

  private void normal(String name, long rows, long cols) {
    params.add(prefix + name, torch.randn(rows, cols).mul_(new Scalar(0.02)));
  }

  private void linearWeights(String name, long out, long in) {
    normal(name + ".weight", out, in);
    params.add(prefix + name + ".bias", torch.zeros(out));
  }

  private void layerNorm(String name, long width) {
    params.add(prefix + name + ".weight", torch.ones(width));
    params.add(prefix + name + ".bias", torch.zeros(width));
  }

  /** Replaces the embedding rows of tokens {@code first ..} by {@code rows} (e.g. item text vectors). */
  public void initTokenEmbeddings(int first, Tensor rows) {
    try (NoGradGuard g = new NoGradGuard()) {
      p("token_embedding").narrow(0, first, rows.size(0)).copy_(rows);
    }
  }

  /** Replaces the output biases of tokens {@code first ..} by {@code values}. */
  public void initOutputBias(int first, Tensor values) {
    try (NoGradGuard g = new NoGradGuard()) {
      p("output_bias").narrow(0, first, values.size(0)).copy_(values);
    }
  }

  /** The output layer's bias [V], the parameter itself. */
  public Tensor outputBias() {
    return p("output_bias");
  }

  /** The identifier token embedding table [V, width] (also the output layer), the parameter itself. */
  public Tensor tokenEmbeddings() {
    return p("token_embedding");
  }

  /** Names of this decoder's parameters (full, with prefix). */
  public List<String> names() {
    List<String> names = new ArrayList<>();
    for (String n : params.names()) {
      if (n.startsWith(prefix)) {
        names.add(n);
      }
    }
    return names;
  }

  /**
   * Next-token logits [B, L, V] for input tokens [B, L] (BOS first), given encoder states
   * [B, T, memoryWidth] and their mask [B, T], or one example's [1, T, memoryWidth] and [1, T]
   * shared by all B rows.
   */
  public Tensor forward(Tensor tokens, Tensor memory, Tensor memoryMask, double dropout) {
    long len = tokens.size(1);
    if (len > config.positions()) {
      throw new IllegalArgumentException(len + " decoder positions exceed the configured " + config.positions());
    }
    Tensor positions = torch.arange(new Scalar(len), new TensorOptions(torch.ScalarType.Long));
    Tensor x = torch.embedding(p("token_embedding"), tokens).add(torch.embedding(p("position_embedding"), positions));
    x = torch.dropout(x, dropout, dropout > 0);
    Tensor mem = params.has(prefix + "memory_projection.weight") ? linear(memory, "memory_projection") : memory;
    Tensor causal = Attention.causalBias(len);
    Tensor padding = Attention.paddingBias(memoryMask);
    for (int l = 0; l < config.layers(); l++) {
      String p = "layer." + l + ".";
      Tensor h = norm(x, p + "self_norm");
      x = x.add(torch.dropout(attention(h, h, p + "self", causal, dropout), dropout, dropout > 0));
      h = norm(x, p + "cross_norm");
      x = x.add(torch.dropout(attention(h, mem, p + "cross", padding, dropout), dropout, dropout > 0));
      h = norm(x, p + "ffn_norm");
      Tensor f = linear(torch.gelu(linear(h, p + "ffn.in")), p + "ffn.out");
      x = x.add(torch.dropout(f, dropout, dropout > 0));
    }
    x = norm(x, "final_norm");
    return torch.linear(x, p("token_embedding"), new TensorOptional(p("output_bias")));
  }

  private Tensor attention(Tensor queries, Tensor keys, String module, Tensor bias, double dropout) {
    Tensor context = Attention.attend(linear(queries, module + ".query"), linear(keys, module + ".key"),
        linear(keys, module + ".value"), bias, config.heads(), dropout);
    return linear(context, module + ".output");
  }

  private Tensor linear(Tensor x, String module) {
    return torch.linear(x, p(module + ".weight"), new TensorOptional(p(module + ".bias")));
  }

  private Tensor norm(Tensor x, String module) {
    return torch.layer_norm(x, new long[] {config.width()}, new TensorOptional(p(module + ".weight")),
        new TensorOptional(p(module + ".bias")), 1e-5, false);
  }

  private Tensor p(String name) {
    return params.get(prefix + name);
  }
}
