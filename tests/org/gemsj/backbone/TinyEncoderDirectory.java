package org.gemsj.backbone;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * Writes a Hugging Face BERT directory of random weights for tests: config.json of the given
 * shape, model.safetensors (F32), MiniLM's tokenizer.json, and 1_Pooling/config.json for CLS
 * pooling (mean pooling writes none, the documented default).
 */
public final class TinyEncoderDirectory {
  private TinyEncoderDirectory() {}

  public static Path write(Path dir, BertConfig c, Backbone.Pooling pooling, Random r) throws IOException {
    write(dir, c, Map.of(), e -> e, r);
    if (pooling == Backbone.Pooling.CLS) {
      Files.createDirectories(dir.resolve("1_Pooling"));
      Files.writeString(dir.resolve("1_Pooling/config.json"), "{\"pooling_mode_cls_token\": true}");
    }
    return dir;
  }

  /** As above with mean pooling, {@code configChanges} over config.json and {@code weightChanges} over the tensors. */
  static Path write(Path dir, BertConfig c, Map<String, Object> configChanges,
      Function<List<SafeTensorsWriter.Entry>, List<SafeTensorsWriter.Entry>> weightChanges, Random r) throws IOException {
    Files.createDirectories(dir);
    Map<String, Object> config = new LinkedHashMap<>(Map.of("model_type", "bert", "hidden_size", c.hidden(),
        "num_hidden_layers", c.layers(), "num_attention_heads", c.heads(), "intermediate_size", c.intermediate(),
        "vocab_size", c.vocab(), "max_position_embeddings", c.maxPositions(), "type_vocab_size", 2, "layer_norm_eps", c.eps()));
    config.putAll(configChanges);
    new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), config);
    List<SafeTensorsWriter.Entry> entries = new ArrayList<>();
    for (Map.Entry<String, long[]> e : BertEncoder.weightShapes(c).entrySet()) {
      long n = 1;
      for (long d : e.getValue()) {
        n *= d;
      }
      float[] v = new float[(int) n];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (0.1 * r.nextGaussian());
      }
      entries.add(SafeTensorsWriter.f32(e.getKey(), new Weight(v, e.getValue())));
    }
    SafeTensorsWriter.write(dir.resolve("model.safetensors"), weightChanges.apply(entries));
    try (InputStream in = TextTokenizer.class.getResourceAsStream(BundledBackbone.MINILM.tokenizerResource)) {
      Files.copy(in, dir.resolve("tokenizer.json"));
    }
    return dir;
  }
}
