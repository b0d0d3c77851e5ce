package org.gemsj.backbone;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A BERT encoder exported the Hugging Face way, in one local directory: {@code config.json}
 * (the shape), {@code model.safetensors} (the weights, F32, F16 or BF16), {@code tokenizer.json},
 * and optionally sentence-transformers' {@code 1_Pooling/config.json} (mean or CLS pooling; mean
 * when absent). Everything is checked when the directory is opened: an unsupported architecture,
 * a missing tensor or one of the wrong shape is refused naming the file, the tensor and the
 * shape config.json implies.
 */
public record HfEncoderDirectory(Path dir, BertConfig config, Backbone.Pooling pooling, Map<String, Weight> weights,
    Path tokenizer) {
  /** The {@code model_type}s read so far. */
  public static final List<String> SUPPORTED = List.of("bert");
  /** Prefixes a task model's export puts before the encoder's names ({@code BertForMaskedLM}: "bert."). */
  private static final List<String> PREFIXES = List.of("", "bert.");

  /** Opens and checks {@code dir}; the weights are read into memory. */
  public static HfEncoderDirectory open(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException(dir + ": not a directory (an encoder directory holds config.json, model.safetensors and "
          + "tokenizer.json)");
    }
    Path configFile = dir.resolve("config.json"), weightsFile = dir.resolve("model.safetensors");
    Path tokenizer = dir.resolve("tokenizer.json");
    for (Path p : List.of(configFile, weightsFile, tokenizer)) {
      if (!Files.isRegularFile(p)) {
        throw new IOException(dir + ": no " + p.getFileName() + " (an encoder directory holds config.json, "
            + "model.safetensors and tokenizer.json)");
      }
    }
    JsonNode c = json(configFile);
    BertConfig config = config(c, configFile);
    long typeVocab = positive(c, "type_vocab_size", 2, configFile);
    Map<String, Weight> weights = new LinkedHashMap<>();
    try (SafeTensors file = SafeTensors.open(weightsFile)) {
      String prefix = PREFIXES.stream().filter(p -> file.names().contains(p + "embeddings.word_embeddings.weight"))
          .findFirst().orElseThrow(() -> new IOException(weightsFile + ": no tensor 'embeddings.word_embeddings.weight' "
              + "(nor under 'bert.'): not a BERT encoder's weights?"));
      for (Map.Entry<String, long[]> e : BertEncoder.weightShapes(config, typeVocab).entrySet()) {
        String name = prefix + e.getKey();
        if (!file.names().contains(name)) {
          throw new IOException(weightsFile + ": no tensor '" + name + "', which config.json's " + config.layers()
              + " layers of width " + config.hidden() + " need (shape " + Arrays.toString(e.getValue()) + ")");
        }
        Weight w = file.read(name);
        if (!Arrays.equals(w.shape(), e.getValue())) {
          throw new IOException(weightsFile + ": tensor '" + name + "' has shape " + Arrays.toString(w.shape())
              + ", config.json implies " + Arrays.toString(e.getValue()));
        }
        weights.put(e.getKey(), w);
      }
    }
    return new HfEncoderDirectory(dir, config, pooling(dir), weights, tokenizer);
  }

  /** The encoder's shape from config.json, or a refusal naming the field. */
  static BertConfig config(JsonNode c, Path file) throws IOException {
    String type = c.path("model_type").asText("");
    if (!SUPPORTED.contains(type)) {
      throw new IOException(file + ": model_type '" + type + "' is not supported (supported: " + SUPPORTED + ")");
    }
    String act = c.path("hidden_act").asText("gelu");
    if (!act.equals("gelu")) {
      throw new IOException(file + ": hidden_act '" + act + "' is not supported (gelu, the exact erf form)");
    }
    String positions = c.path("position_embedding_type").asText("absolute");
    if (!positions.equals("absolute")) {
      throw new IOException(file + ": position_embedding_type '" + positions + "' is not supported (absolute)");
    }
    int hidden = (int) positive(c, "hidden_size", -1, file), heads = (int) positive(c, "num_attention_heads", -1, file);
    if (hidden % heads != 0) {
      throw new IOException(file + ": hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads);
    }
    double eps = c.path("layer_norm_eps").asDouble(1e-12);
    if (!(eps > 0)) {
      throw new IOException(file + ": layer_norm_eps must be > 0, got " + c.get("layer_norm_eps"));
    }
    return new BertConfig((int) positive(c, "num_hidden_layers", -1, file), hidden, heads,
        (int) positive(c, "intermediate_size", -1, file), (int) positive(c, "vocab_size", -1, file),
        (int) positive(c, "max_position_embeddings", -1, file), eps);
  }

  /** sentence-transformers' pooling, where the directory has one; mean otherwise. */
  private static Backbone.Pooling pooling(Path dir) throws IOException {
    Path file = dir.resolve("1_Pooling").resolve("config.json");
    if (!Files.isRegularFile(file)) {
      return Backbone.Pooling.MEAN;
    }
    JsonNode p = json(file);
    boolean mean = p.path("pooling_mode_mean_tokens").asBoolean(false), cls = p.path("pooling_mode_cls_token")
        .asBoolean(false);
    for (String other : List.of("pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens",
        "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken")) {
      if (p.path(other).asBoolean(false)) {
        throw new IOException(file + ": " + other + " is not supported (pooling_mode_mean_tokens or "
            + "pooling_mode_cls_token)");
      }
    }
    if (mean == cls) {
      throw new IOException(file + ": exactly one of pooling_mode_mean_tokens and pooling_mode_cls_token must be true");
    }
    return mean ? Backbone.Pooling.MEAN : Backbone.Pooling.CLS;
  }

  private static long positive(JsonNode c, String field, long fallback, Path file) throws IOException {
    JsonNode v = c.get(field);
    if (v == null && fallback > 0) {
      return fallback;
    }
    if (v == null || !v.canConvertToInt() || v.asLong() < 1) {
      throw new IOException(file + ": " + field + " must be a positive integer, got " + v);
    }
    return v.asLong();
  }

  private static JsonNode json(Path file) throws IOException {
    try {
      JsonNode n = new ObjectMapper().readTree(file.toFile());
      if (n == null || !n.isObject()) {
        throw new IOException(file + ": not a JSON object");
      }
      return n;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException(file + ": not JSON: " + e.getOriginalMessage() + " (line " + e.getLocation().getLineNr()
          + ")", e);
    }
  }
}
