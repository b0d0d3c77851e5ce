package org.gemsj.model;

/** Size of the item-identifier decoder (fresh weights; the encoder is the pretrained part). */
public record DecoderConfig(int layers, int width, int heads, int ffn, int vocabulary, int positions) {
  public DecoderConfig {
    if (layers < 1 || width < 1 || heads < 1 || width % heads != 0 || ffn < 1 || vocabulary < 2 || positions < 1) {
      throw new IllegalArgumentException("invalid decoder size: layers " + layers + ", width " + width + ", heads "
          + heads + " (must divide width), ffn " + ffn + ", vocabulary " + vocabulary + ", positions " + positions);
    }
  }
}
