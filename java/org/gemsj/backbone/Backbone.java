package org.gemsj.backbone;

/**
 * The pretrained encoders GEMS-J ships with: BERT-style models whose ONNX weights and HF
 * tokenizer come inside Maven Central jars (langchain4j's embedding-model artifacts), so
 * nothing is downloaded at run time.
 */
public enum Backbone {
  MINILM("minilm", "/all-minilm-l6-v2.onnx", "/all-minilm-l6-v2-tokenizer.json", Pooling.MEAN, 12),
  BGE_SMALL("bge-small", "/bge-small-en-v1.5.onnx", "/bge-small-en-v1.5-tokenizer.json", Pooling.CLS, 12);

  /** How token states become one sentence embedding (then L2-normalised), as each model was trained. */
  public enum Pooling {
    MEAN,
    CLS
  }

  /** The name used on the command line and in metrics.json. */
  public final String cliName;

  public final String onnxResource;
  public final String tokenizerResource;
  public final Pooling pooling;
  /** Attention heads (not recoverable from the weights' shapes). */
  public final int heads;

  Backbone(String cliName, String onnxResource, String tokenizerResource, Pooling pooling, int heads) {
    this.cliName = cliName;
    this.onnxResource = onnxResource;
    this.tokenizerResource = tokenizerResource;
    this.pooling = pooling;
    this.heads = heads;
  }

  public static Backbone fromCli(String name) {
    for (Backbone b : values()) {
      if (b.cliName.equals(name)) {
        return b;
      }
    }
    throw new IllegalArgumentException("unknown backbone '" + name + "' (choose minilm or bge-small)");
  }
}
