package org.gemsj.backbone;

/** Shape of a BERT encoder, read off its weights. */
public record BertConfig(int layers, int hidden, int heads, int intermediate, int vocab, int maxPositions, double eps) {
  public int headDim() {
    return hidden / heads;
  }
}
