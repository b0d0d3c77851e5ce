package org.gemsj.model;

import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.gemsj.backbone.Backbone;
import org.gemsj.backbone.BertEncoder;
import org.gemsj.backbone.TextTokenizer;
import org.gemsj.torch.Tensors;

/** Sentence embeddings from an encoder, in batches (no gradients). */
public final class TextEmbedder {
  private static final int BATCH = 64;

  private TextEmbedder() {}

  public static float[][] embed(BertEncoder encoder, TextTokenizer tokenizer, Backbone.Pooling pooling, List<String> texts) {
    float[][] out = new float[texts.size()][];
    for (int start = 0; start < texts.size(); start += BATCH) {
      List<String> chunk = texts.subList(start, Math.min(texts.size(), start + BATCH));
      try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
        TextTokenizer.Batch batch = tokenizer.encode(chunk);
        Tensor pooled = BertEncoder.pool(encoder.forward(batch.ids(), batch.mask(), batch.types(), 0), batch.mask(), pooling);
        float[] flat = Tensors.toFloats(pooled);
        int h = (int) pooled.size(1);
        for (int i = 0; i < chunk.size(); i++) {
          out[start + i] = java.util.Arrays.copyOfRange(flat, i * h, (i + 1) * h);
        }
      }
    }
    return out;
  }
}
