package org.gemsj.backbone;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gemsj.io.Digests;
import org.gemsj.io.FileConfinement;

/**
 * A BERT encoder exported the Hugging Face way, in one local directory: {@code config.json}
 * (the shape), {@code model.safetensors} (the weights, F32, F16 or BF16), {@code tokenizer.json},
 * and optionally sentence-transformers' {@code 1_Pooling/config.json} (mean or CLS pooling; mean
 * when absent). Everything is checked when the directory is opened: an unsupported architecture,
 * a missing tensor or one of the wrong shape is refused naming the file, the tensor and the
 * shape config.json implies. Opening reads the weights' header only; {@link #readWeights} reads
 * the tensors. Every file is opened through a {@link FileConfinement}.
 *
 * @param prefix what the export puts before the encoder's tensor names ("" or "bert.")
 * @param sha256 one digest of config.json, tokenizer.json, the pooling config and model.safetensors
 */
public record HfEncoderDirectory(Path dir, BertConfig config, Backbone.Pooling pooling, long typeVocab, String prefix,
    byte[] tokenizerJson, String sha256) {
  /** The {@code model_type}s read so far. */
  public static final List<String> SUPPORTED = List.of("bert");
  /** Prefixes a task model's export puts before the encoder's names ({@code BertForMaskedLM}: "bert."). */
  private static final List<String> PREFIXES = List.of("", "bert.");
  private static final String FILES = "an encoder directory holds config.json, model.safetensors and tokenizer.json";

  public static HfEncoderDirectory open(Path dir) throws IOException {
    return open(dir, FileConfinement.NONE);
  }

  /** Opens and checks {@code dir}, reading its files through {@code files}. */
  public static HfEncoderDirectory open(Path dir, FileConfinement files) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException(dir + ": not a directory (" + FILES + ")");
    }
    Path configFile = dir.resolve("config.json"), weightsFile = weights(dir), tokenizerFile = dir.resolve("tokenizer.json");
    for (Path p : List.of(configFile, weightsFile, tokenizerFile)) {
      if (!Files.isRegularFile(p)) {
        throw new IOException(dir + ": no " + p.getFileName() + " (" + FILES + ")");
      }
    }
    byte[] configBytes = bytes(configFile, files);
    JsonNode c = json(configBytes, configFile);
    BertConfig config = config(c, configFile);
    long typeVocab = positive(c, "type_vocab_size", 2, configFile);
    String prefix;
    try (SafeTensors file = SafeTensors.open(weightsFile, files)) {
      prefix = PREFIXES.stream().filter(p -> file.names().contains(p + "embeddings.word_embeddings.weight"))
          .findFirst().orElseThrow(() -> new IOException(weightsFile + ": no tensor 'embeddings.word_embeddings.weight' "
              + "(nor under 'bert.'): not a BERT encoder's weights?"));
      for (Map.Entry<String, long[]> e : BertEncoder.weightShapes(config, typeVocab).entrySet()) {
        String name = prefix + e.getKey();
        if (!file.names().contains(name)) {
          throw new IOException(weightsFile + ": no tensor '" + name + "', which config.json's " + config.layers()
              + " layers of width " + config.hidden() + " need (shape " + Arrays.toString(e.getValue()) + ")");
        }
        long[] shape = file.shape(name);
        if (!Arrays.equals(shape, e.getValue())) {
          throw new IOException(weightsFile + ": tensor '" + name + "' has shape " + Arrays.toString(shape)
              + ", config.json implies " + Arrays.toString(e.getValue()));
        }
      }
    }
    byte[] tokenizer = bytes(tokenizerFile, files);
    try (TextTokenizer t = new TextTokenizer(tokenizer, 8)) { // refused here, not at the first batch
      t.pieces("a");
    } catch (RuntimeException e) {
      throw new IOException(tokenizerFile + ": not a tokenizer Hugging Face tokenizers can load: "
          + String.valueOf(e.getMessage()).lines().findFirst().orElse(""), e);
    }
    Path poolingFile = dir.resolve("1_Pooling").resolve("config.json");
    byte[] poolingBytes = Files.isRegularFile(poolingFile) ? bytes(poolingFile, files) : new byte[0];
    Backbone.Pooling pooling = poolingBytes.length == 0 ? Backbone.Pooling.MEAN : pooling(poolingBytes, poolingFile);
    String sha256 = Digests.sha256Of(List.of(() -> new ByteArrayInputStream(configBytes),
        () -> new ByteArrayInputStream(tokenizer), () -> new ByteArrayInputStream(poolingBytes),
        () -> files.open(weightsFile)));
    return new HfEncoderDirectory(dir, config, pooling, typeVocab, prefix, tokenizer, sha256);
  }

  /** The encoder's weights, by name without {@link #prefix}, read through {@code files}. */
  public Map<String, Weight> readWeights(FileConfinement files) throws IOException {
    Path weightsFile = weights(dir);
    Map<String, Weight> weights = new LinkedHashMap<>();
    try (SafeTensors file = SafeTensors.open(weightsFile, files)) {
      for (Map.Entry<String, long[]> e : BertEncoder.weightShapes(config, typeVocab).entrySet()) {
        Weight w = file.read(prefix + e.getKey());
        if (!Arrays.equals(w.shape(), e.getValue())) { // the file changed since it was opened
          throw new IOException(weightsFile + ": tensor '" + prefix + e.getKey() + "' has shape "
              + Arrays.toString(w.shape()) + ", config.json implies " + Arrays.toString(e.getValue()));
        }
        weights.put(e.getKey(), w);
      }
    }
    return weights;
  }

  private static Path weights(Path dir) {
    return dir.resolve("model.safetensors");
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
  private static Backbone.Pooling pooling(byte[] bytes, Path file) throws IOException {
    JsonNode p = json(bytes, file);
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

  private static byte[] bytes(Path file, FileConfinement files) throws IOException {
    try (InputStream in = files.open(file)) {
      return in.readAllBytes();
    }
  }

  private static JsonNode json(byte[] bytes, Path file) throws IOException {
    try {
      JsonNode n = new ObjectMapper().readTree(bytes);
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
