package org.gemsj.backbone;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.gemsj.io.AtomicFiles;

/**
 * Writes a Hugging Face BERT directory of random weights, initialised as BERT's pretraining
 * starts (N(0, 0.02) matrices, LayerNorm gain 1 and bias 0), with MiniLM's tokenizer.json (BERT's
 * uncased WordPiece vocabulary): an encoder of any shape to measure what a larger model costs
 * ({@code gems bench random-encoder}), and the tests' encoders. Its outputs mean nothing.
 */
public final class RandomEncoderDirectory {
  /** BERT-base: 12 layers of width 768, 12 heads, FFN 3072, 512 positions. */
  public static final BertConfig BERT_BASE = new BertConfig(12, 768, 12, 3072, 30522, 512, 1e-12);

  private RandomEncoderDirectory() {}

  /** Writes config.json, model.safetensors (F32) and tokenizer.json into {@code dir}. */
  public static Path write(Path dir, BertConfig c, long seed) throws IOException {
    return write(dir, config(c), weights(c, new Random(seed)));
  }

  /** As {@link #write(Path, BertConfig, long)}, from a config.json's fields and the tensors to write. */
  public static Path write(Path dir, Map<String, Object> config, List<SafeTensorsWriter.Entry> weights)
      throws IOException {
    Files.createDirectories(dir);
    AtomicFiles.write(dir.resolve("config.json"), new ObjectMapper().writeValueAsBytes(config));
    SafeTensorsWriter.write(dir.resolve("model.safetensors"), weights);
    AtomicFiles.write(dir.resolve("tokenizer.json"), BundledBackbone.MINILM.tokenizerJson());
    return dir;
  }

  /** config.json's fields for a BERT encoder of shape {@code c}. */
  public static Map<String, Object> config(BertConfig c) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("model_type", "bert");
    config.put("hidden_act", "gelu");
    config.put("hidden_size", c.hidden());
    config.put("num_hidden_layers", c.layers());
    config.put("num_attention_heads", c.heads());
    config.put("intermediate_size", c.intermediate());
    config.put("vocab_size", c.vocab());
    config.put("max_position_embeddings", c.maxPositions());
    config.put("type_vocab_size", c.typeVocab());
    config.put("layer_norm_eps", c.eps());
    return config;
  }

  /** Every tensor of a BERT encoder of shape {@code c}, under Hugging Face's names, as F32. */
  public static List<SafeTensorsWriter.Entry> weights(BertConfig c, Random r) {
    List<SafeTensorsWriter.Entry> entries = new ArrayList<>();
    for (Map.Entry<String, long[]> e : BertEncoder.weightShapes(c).entrySet()) {
      long[] shape = e.getValue();
      float[] v = new float[(int) (shape.length == 2 ? shape[0] * shape[1] : shape[0])];
      boolean gain = e.getKey().endsWith("LayerNorm.weight"), bias = e.getKey().endsWith(".bias");
      for (int i = 0; i < v.length; i++) {
        v[i] = gain ? 1f : bias ? 0f : (float) (0.02 * r.nextGaussian());
      }
      entries.add(SafeTensorsWriter.f32(e.getKey(), new Weight(v, shape)));
    }
    return entries;
  }
}
