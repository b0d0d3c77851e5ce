package org.gemsj.model;

import org.gemsj.backbone.Backbone;
import org.gemsj.backbone.BertConfig;

/**
 * Everything needed to rebuild a model's structure (saved as model/config.json).
 *
 * @param maxTokens encoder input length (query + history, truncated in the history)
 * @param historyLength how many past events the input shows
 * @param input how the history is shown ({@link ModelInputs.Format}); absent in models saved before
 *     item tokens, which read titles: null means TITLES
 */
public record ModelConfig(Backbone backbone, BertConfig encoder, DecoderConfig decoder, ItemIds.Scheme ids,
    int maxTokens, int historyLength, ModelInputs.Format input) {
  public ModelConfig {
    input = input == null ? ModelInputs.Format.TITLES : input;
  }
}
