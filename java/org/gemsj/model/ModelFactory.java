package org.gemsj.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.backbone.Backbone;
import org.gemsj.backbone.BertEncoder;
import org.gemsj.backbone.Pretrained;
import org.gemsj.backbone.TextTokenizer;
import org.gemsj.data.Item;
import org.gemsj.io.FileConfinement;
import org.gemsj.torch.Tensors;

/** Builds a fresh generative model: the pretrained encoder, item identifiers, a new decoder. */
public final class ModelFactory {
  /**
   * Structure choices; {@code decoderWidth} 0 means the encoder's width. {@code input} null (a run
   * configured before item tokens) means TITLES; {@code itemPrior}: start each atomic identifier's
   * output bias at ln(1 + its training-target count) instead of 0; {@code transitionPrior}: add the
   * item-to-item prior ({@link TransitionPrior}) to the identifier softmax (both need atomic ids).
   */
  public record Options(Backbone backbone, ItemIds.Scheme ids, int levels, int codebook, int decoderLayers,
      int decoderWidth, int decoderHeads, int decoderFfn, int maxTokens, int historyLength,
      ModelInputs.Format input, boolean itemPrior, boolean transitionPrior) {
    public Options {
      input = input == null ? ModelInputs.Format.TITLES : input;
    }
  }

  /**
   * A new model and the pretrained encoder's embeddings of the item documents it was built from
   * (they seed the identifiers; the zero-shot dense baseline reuses them instead of recomputing).
   */
  public record Built(GenerativeModel model, float[][] itemVectors) {}

  private ModelFactory() {}

  public static GenerativeModel create(Options o, List<Item> items, long seed) throws IOException {
    return build(o, items, seed).model();
  }

  public static Built build(Options o, List<Item> items, long seed) throws IOException {
    return build(o, items, seed, null);
  }

  /** As {@link #build(Options, List, long)}, reading the item embeddings from {@code cacheDir} when there. */
  public static Built build(Options o, List<Item> items, long seed, Path cacheDir) throws IOException {
    return build(o, items, seed, cacheDir, FileConfinement.NONE);
  }

  /** As {@link #build(Options, List, long, Path)}, reading the backbone's files through {@code files}. */
  public static Built build(Options o, List<Item> items, long seed, Path cacheDir, FileConfinement files)
      throws IOException {
    if (items.isEmpty()) {
      throw new IllegalArgumentException("the catalogue is empty");
    }
    torch.manual_seed(seed);
    Params params = new Params();
    BertEncoder encoder;
    byte[] tokenizerJson;
    { // the float copies of the weights go out of scope once the encoder's tensors hold them
      Pretrained pretrained = o.backbone().read(files);
      encoder = pretrained.encoder(params, "encoder.");
      tokenizerJson = pretrained.tokenizerJson();
    }
    if (o.maxTokens() > encoder.config.maxTokens()) {
      throw new IllegalArgumentException("--max-tokens " + o.maxTokens() + " exceeds the " + o.backbone().label()
          + " encoder's " + encoder.config.maxTokens() + " positions");
    }
    List<String> documents = items.stream().map(Item::document).toList();
    float[][] itemVectors = ItemVectorCache.get(cacheDir, o.backbone(), o.maxTokens(), documents, () -> {
      try (TextTokenizer tokenizer = new TextTokenizer(tokenizerJson, o.maxTokens())) {
        return TextEmbedder.embed(encoder, tokenizer, o.backbone().pooling(), documents);
      }
    });
    ItemIds ids;
    ResidualKMeans.Result quantised = null;
    if (o.ids() == ItemIds.Scheme.ATOMIC) {
      ids = ItemIds.atomic(items.size());
    } else {
      quantised = ResidualKMeans.fit(itemVectors, o.levels(), o.codebook(), 25, seed);
      ids = ItemIds.semantic(quantised.codes(), o.codebook());
    }
    int hidden = encoder.config.hidden();
    int width = o.decoderWidth() > 0 ? o.decoderWidth() : hidden;
    if (o.input().itemTokens() && width != hidden) {
      throw new IllegalArgumentException("item tokens in the input are the decoder's identifier embeddings, so "
          + "--decoder-width must equal the encoder's width (" + hidden + "), got " + width);
    }
    if ((o.itemPrior() || o.transitionPrior()) && o.ids() != ItemIds.Scheme.ATOMIC) {
      throw new IllegalArgumentException("the item prior (--item-prior " + (o.transitionPrior() ? "transitions"
          : "popularity") + ") needs --ids atomic: semantic ids have no per-item logit");
    }
    DecoderConfig dc = new DecoderConfig(o.decoderLayers(), width, o.decoderHeads(), o.decoderFfn(),
        ids.vocabulary(), ids.depth());
    torch.manual_seed(seed + 1);
    ItemDecoder decoder = ItemDecoder.create(dc, params, "decoder.", hidden);
    if (width == hidden) { // start identifier tokens from what the encoder already knows
      if (quantised == null) {
        decoder.initTokenEmbeddings(1, matrix(itemVectors));
      } else {
        for (int l = 0; l < o.levels(); l++) {
          decoder.initTokenEmbeddings(1 + l * o.codebook(), matrix(quantised.centroids()[l]));
        }
      }
    }
    ModelConfig config = new ModelConfig(o.backbone(), encoder.config, dc, ids.scheme, o.maxTokens(), o.historyLength(),
        o.input());
    return new Built(new GenerativeModel(config, params, encoder, decoder, ids, items, null, tokenizerJson),
        itemVectors);
  }

  /** Rows as an n x d float tensor (also what the item-vector cache stores). */
  static Tensor matrix(float[][] rows) {
    int n = rows.length, d = rows[0].length;
    float[] flat = new float[n * d];
    for (int i = 0; i < n; i++) {
      System.arraycopy(rows[i], 0, flat, i * d, d);
    }
    return Tensors.fromFloats(flat, n, d);
  }
}
