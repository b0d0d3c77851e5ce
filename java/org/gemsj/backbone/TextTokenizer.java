package org.gemsj.backbone;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.gemsj.torch.Tensors;

/**
 * The backbone's own WordPiece tokenizer (its tokenizer.json, run by DJL's binding of Hugging
 * Face tokenizers), producing padded id / mask / type tensors. Pairs are truncated in their
 * second text only, so a query is never cut to make room for history.
 */
public final class TextTokenizer implements AutoCloseable {
  /** A padded batch: ids, attention mask (1 = token) and token types, all [B, T] int64. */
  public record Batch(Tensor ids, Tensor mask, Tensor types) implements AutoCloseable {
    @Override
    public void close() {
      ids.close();
      mask.close();
      types.close();
    }
  }

  private final HuggingFaceTokenizer tokenizer;
  public final int maxLength;

  public TextTokenizer(Backbone backbone, int maxLength) throws IOException {
    this.maxLength = maxLength;
    try (InputStream in = TextTokenizer.class.getResourceAsStream(backbone.tokenizerResource)) {
      if (in == null) {
        throw new IOException("resource " + backbone.tokenizerResource + " is not on the classpath");
      }
      tokenizer = HuggingFaceTokenizer.newInstance(in, Map.of(
          "maxLength", Integer.toString(maxLength), "truncation", "only_second", "padding", "false",
          "addSpecialTokens", "true"));
    }
  }

  /** Tokenizes single texts. */
  public Batch encode(List<String> texts) {
    Encoding[] encodings = new Encoding[texts.size()];
    for (int i = 0; i < encodings.length; i++) {
      encodings[i] = tokenizer.encode(texts.get(i));
    }
    return pad(encodings);
  }

  /** Tokenizes (first, second) pairs; {@code second} is truncated to fit {@link #maxLength}. */
  public Batch encodePairs(List<String> first, List<String> second) {
    Encoding[] encodings = new Encoding[first.size()];
    for (int i = 0; i < encodings.length; i++) {
      encodings[i] = tokenizer.encode(first.get(i), second.get(i));
    }
    return pad(encodings);
  }

  private Batch pad(Encoding[] encodings) {
    int b = encodings.length, t = 1;
    for (Encoding e : encodings) {
      t = Math.max(t, Math.min(maxLength, e.getIds().length));
    }
    long[] ids = new long[b * t], mask = new long[b * t], types = new long[b * t];
    for (int i = 0; i < b; i++) {
      long[] eIds = encodings[i].getIds(), eTypes = encodings[i].getTypeIds();
      int n = Math.min(t, eIds.length);
      for (int j = 0; j < n; j++) {
        ids[i * t + j] = eIds[j];
        mask[i * t + j] = 1;
        types[i * t + j] = eTypes[j];
      }
      if (eIds.length > t) { // a single text longer than maxLength: cut it, keep the closing [SEP]
        ids[i * t + t - 1] = eIds[eIds.length - 1];
      }
    }
    return new Batch(Tensors.fromLongs(ids, b, t), Tensors.fromLongs(mask, b, t), Tensors.fromLongs(types, b, t));
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
