package org.gemsj.backbone;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.gemsj.io.Digests;
import org.gemsj.io.FileConfinement;

/**
 * The encoders GEMS-J ships with: BERT-style models whose ONNX weights and HF tokenizer come
 * inside Maven Central jars (langchain4j's embedding-model artifacts), so nothing is downloaded
 * at run time.
 */
public enum BundledBackbone implements Backbone {
  MINILM("minilm", "/all-minilm-l6-v2.onnx", "/all-minilm-l6-v2-tokenizer.json", Pooling.MEAN, 12),
  BGE_SMALL("bge-small", "/bge-small-en-v1.5.onnx", "/bge-small-en-v1.5-tokenizer.json", Pooling.CLS, 12);

  /** The name used on the command line, in metrics.json and in saved configs. */
  public final String cliName;

  final String onnxResource;
  final String tokenizerResource;
  private final Pooling pooling;
  /** Attention heads (not recoverable from the weights' shapes). */
  final int heads;
  private volatile String cacheKey; // the resources' digest, computed once

  BundledBackbone(String cliName, String onnxResource, String tokenizerResource, Pooling pooling, int heads) {
    this.cliName = cliName;
    this.onnxResource = onnxResource;
    this.tokenizerResource = tokenizerResource;
    this.pooling = pooling;
    this.heads = heads;
  }

  /** "minilm or bge-small", for messages. */
  static String choices() {
    return Arrays.stream(values()).map(b -> b.cliName).collect(Collectors.joining(" or "));
  }

  @Override
  public String label() {
    return cliName;
  }

  @Override
  public Pooling pooling() {
    return pooling;
  }

  @Override
  public Object json() {
    return cliName;
  }

  @Override
  public String cacheKey() throws IOException {
    if (cacheKey == null) { // a jar upgrade that changed the weights must not reuse old caches
      cacheKey = cliName + "-" + Digests.sha256Of(List.of(() -> resource(onnxResource), () -> resource(tokenizerResource)))
          .substring(0, 16);
    }
    return cacheKey;
  }

  /** The bundled encoder's weights and tokenizer (from the classpath: {@code files} does not apply). */
  @Override
  public Pretrained read(FileConfinement files) throws IOException {
    Map<String, Weight> weights = OnnxWeights.readResource(onnxResource);
    int layers = 0;
    while (weights.containsKey("encoder.layer." + layers + ".attention.self.query.weight")) {
      layers++;
    }
    long[] word = shapeOf(weights, "embeddings.word_embeddings.weight");
    long[] positions = shapeOf(weights, "embeddings.position_embeddings.weight");
    long[] inter = shapeOf(weights, "encoder.layer.0.intermediate.dense.weight");
    BertConfig config = new BertConfig(layers, (int) word[1], heads, (int) inter[0], (int) word[0],
        (int) positions[0], 1e-12);
    return new Pretrained(this, config, weights, tokenizerJson(), onnxResource);
  }

  /** The tokenizer.json of a bundled encoder (models saved before they carried their own). */
  public byte[] tokenizerJson() throws IOException {
    try (InputStream in = resource(tokenizerResource)) {
      return in.readAllBytes();
    }
  }

  private static long[] shapeOf(Map<String, Weight> weights, String name) throws IOException {
    Weight w = weights.get(name);
    if (w == null) {
      throw new IOException("the bundled encoder has no weight '" + name + "'");
    }
    return w.shape();
  }

  private static InputStream resource(String name) throws IOException {
    InputStream in = BundledBackbone.class.getResourceAsStream(name);
    if (in == null) {
      throw new IOException("resource " + name + " is not on the classpath");
    }
    return in;
  }
}
