package org.gemsj.backbone;

/**
 * Shape of a BERT-layout encoder (post-LayerNorm, GELU), which BERT, RoBERTa/XLM-R and
 * DistilBERT all share once their weights are named alike ({@link HfEncoderDirectory}).
 *
 * @param typeVocab rows of the token-type table; 1 (RoBERTa, DistilBERT) means every token is
 *     type 0, whatever the input's types. 0, in configs saved before this field, means 2 (BERT)
 * @param positionOffset the position id of the first token: RoBERTa's padding_idx + 1, else 0
 */
public record BertConfig(int layers, int hidden, int heads, int intermediate, int vocab, int maxPositions, double eps,
    int typeVocab, int positionOffset) {
  public BertConfig {
    typeVocab = typeVocab == 0 ? 2 : typeVocab;
  }

  /** A BERT encoder: two token types, positions from 0. */
  public BertConfig(int layers, int hidden, int heads, int intermediate, int vocab, int maxPositions, double eps) {
    this(layers, hidden, heads, intermediate, vocab, maxPositions, eps, 2, 0);
  }

  public int headDim() {
    return hidden / heads;
  }

  /** The longest input the position table covers. */
  public int maxTokens() {
    return maxPositions - positionOffset;
  }
}
