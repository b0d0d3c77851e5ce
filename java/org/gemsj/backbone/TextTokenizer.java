package org.gemsj.backbone;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.gemsj.torch.Tensors;

/**
 * The backbone's own WordPiece tokenizer (its tokenizer.json, run by DJL's binding of Hugging
 * Face tokenizers), producing padded id / mask / type tensors of at most {@code maxLength}
 * tokens. A pair gives up tokens from the end of its second text first, so a query is cut only when
 * it alone nearly fills maxLength; a single text is cut at the end. Closing [SEP]s always stay.
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
  private final long cls, sep;
  public final int maxLength;

  /** The tokenizer of a Hugging Face {@code tokenizer.json}'s content. */
  public TextTokenizer(byte[] tokenizerJson, int maxLength) throws IOException {
    this(new ByteArrayInputStream(tokenizerJson), maxLength);
  }

  private TextTokenizer(InputStream json, int maxLength) throws IOException {
    if (maxLength < 4) {
      json.close();
      throw new IllegalArgumentException("maxLength must be >= 4 ([CLS], a token of each text, [SEP]s), got " + maxLength);
    }
    this.maxLength = maxLength;
    try (InputStream in = json) {
      tokenizer = HuggingFaceTokenizer.newInstance(in, Map.of(
          "truncation", "false", "padding", "false", "addSpecialTokens", "true"));
    }
    long[] empty = tokenizer.encode("").getIds(); // [CLS] [SEP]
    cls = empty[0];
    sep = empty[empty.length - 1];
  }

  /** Tokenizes single texts. */
  public Batch encode(List<String> texts) {
    Encoding[] encodings = new Encoding[texts.size()];
    for (int i = 0; i < encodings.length; i++) {
      encodings[i] = tokenizer.encode(texts.get(i));
    }
    return pad(encodings);
  }

  /** The word-piece ids of {@code text} without [CLS] and [SEP] (the caller lays out the sequence). */
  public long[] pieces(String text) {
    long[] ids = tokenizer.encode(text).getIds();
    return Arrays.copyOfRange(ids, 1, ids.length - 1);
  }

  /** The id of [CLS] (what every sequence starts with). */
  public long cls() {
    return cls;
  }

  /** The id of [SEP] (what closes a segment). */
  public long sep() {
    return sep;
  }

  /** Pads rows of ids and types already laid out (each at most {@link #maxLength}). */
  public Batch pad(long[][] idRows, long[][] typeRows) {
    int b = idRows.length, t = 1;
    for (long[] row : idRows) {
      if (row.length > maxLength) {
        throw new IllegalArgumentException("a row of " + row.length + " tokens exceeds maxLength " + maxLength);
      }
      t = Math.max(t, row.length);
    }
    return padded(idRows, typeRows, t);
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
    int b = encodings.length;
    long[][] idRows = new long[b][], typeRows = new long[b][];
    int t = 1;
    for (int i = 0; i < b; i++) {
      long[][] cut = truncate(encodings[i].getIds(), encodings[i].getTypeIds(), maxLength);
      idRows[i] = cut[0];
      typeRows[i] = cut[1];
      t = Math.max(t, cut[0].length);
    }
    return padded(idRows, typeRows, t);
  }

  private static Batch padded(long[][] idRows, long[][] typeRows, int t) {
    int b = idRows.length;
    long[] ids = new long[b * t], mask = new long[b * t], types = new long[b * t];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < idRows[i].length; j++) {
        ids[i * t + j] = idRows[i][j];
        mask[i * t + j] = 1;
        types[i * t + j] = typeRows[i][j];
      }
    }
    return new Batch(Tensors.fromLongs(ids, b, t), Tensors.fromLongs(mask, b, t), Tensors.fromLongs(types, b, t));
  }

  /**
   * Cuts [CLS] first [SEP] (type 0) second [SEP] (type 1) to {@code max} tokens: the second
   * segment loses its tail first; only if the first alone is too long is it cut too. Each kept
   * segment keeps its closing [SEP].
   */
  static long[][] truncate(long[] ids, long[] types, int max) {
    if (ids.length <= max) {
      return new long[][] {ids, types};
    }
    int first = 0;
    while (first < ids.length && types[first] == 0) {
      first++;
    }
    int second = ids.length - first;
    int keepFirst = second == 0 ? max : Math.min(first, max - Math.min(second, 2));
    int keepSecond = second == 0 ? 0 : max - keepFirst;
    long[] outIds = new long[keepFirst + keepSecond], outTypes = new long[keepFirst + keepSecond];
    System.arraycopy(ids, 0, outIds, 0, keepFirst);
    System.arraycopy(types, 0, outTypes, 0, keepFirst);
    outIds[keepFirst - 1] = ids[first - 1]; // the first segment's [SEP]
    if (keepSecond > 0) {
      System.arraycopy(ids, first, outIds, keepFirst, keepSecond);
      System.arraycopy(types, first, outTypes, keepFirst, keepSecond);
      outIds[keepFirst + keepSecond - 1] = ids[ids.length - 1]; // the second segment's [SEP]
    }
    return new long[][] {outIds, outTypes};
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
