package org.gemsj.backbone;

import java.io.IOException;
import java.util.Map;
import org.gemsj.model.Params;

/**
 * What a {@link Backbone}'s files hold, read into memory: the encoder's shape, its weights under
 * Hugging Face's names (float32), and its tokenizer.json.
 *
 * @param source where the weights were read from, for messages
 */
public record Pretrained(Backbone backbone, BertConfig config, Map<String, Weight> weights, byte[] tokenizerJson,
    String source) {
  /** The encoder, its weights copied into {@code params} under {@code prefix}. */
  public BertEncoder encoder(Params params, String prefix) throws IOException {
    return BertEncoder.fromWeights(config, weights, source, params, prefix);
  }

  /** The encoder's tokenizer, cutting inputs at {@code maxLength} tokens. */
  public TextTokenizer tokenizer(int maxLength) throws IOException {
    return new TextTokenizer(tokenizerJson, maxLength);
  }
}
