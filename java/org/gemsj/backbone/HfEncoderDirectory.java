package org.gemsj.backbone;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.gemsj.io.Digests;
import org.gemsj.io.FileConfinement;

/**
 * An encoder exported the Hugging Face way, in one local directory: {@code config.json} (the
 * architecture and shape), the weights in {@code model.safetensors} (F32, F16 or BF16) or, where
 * there is none, {@code model.onnx}, {@code tokenizer.json}, and optionally sentence-transformers'
 * {@code 1_Pooling/config.json} (mean or CLS pooling; mean when absent). BERT, RoBERTa-style
 * (RoBERTa, XLM-R, CamemBERT: positions from padding_idx + 1, one token type) and DistilBERT
 * (other tensor names, no token types) are read into one BERT layout ({@link BertConfig}).
 * Everything is checked when the directory is opened: an unsupported architecture, a missing
 * tensor or one of the wrong shape is refused naming the file, the tensor and the shape
 * config.json implies. Opening reads the safetensors header only; {@link #readWeights} reads the
 * tensors. Every file is opened through a {@link FileConfinement}.
 *
 * @param prefix what the export puts before the encoder's tensor names ("", "bert.", "roberta.", ...)
 * @param sha256 one digest of config.json, tokenizer.json, the pooling config and the weights file
 */
public record HfEncoderDirectory(Path dir, Family family, BertConfig config, Backbone.Pooling pooling, String prefix,
    byte[] tokenizerJson, String sha256) {
  /** The architectures read, each mapped to the BERT layout. */
  public enum Family {
    BERT("bert."),
    ROBERTA("roberta."),
    DISTILBERT("distilbert.");

    /** The prefix a task model's export (e.g. {@code BertForMaskedLM}) puts before the encoder's names. */
    final String taskPrefix;

    Family(String taskPrefix) {
      this.taskPrefix = taskPrefix;
    }
  }

  /** config.json's {@code model_type}s read, and their family. */
  public static final Map<String, Family> SUPPORTED = Collections.unmodifiableMap(new TreeMap<>(Map.of("bert", Family.BERT, "roberta",
      Family.ROBERTA, "xlm-roberta", Family.ROBERTA, "camembert", Family.ROBERTA, "distilbert", Family.DISTILBERT)));
  private static final String FILES = "an encoder directory holds config.json, model.safetensors (or model.onnx) "
      + "and tokenizer.json";

  public static HfEncoderDirectory open(Path dir) throws IOException {
    return open(dir, FileConfinement.NONE);
  }

  /** Opens and checks {@code dir}, reading its files through {@code files}. */
  public static HfEncoderDirectory open(Path dir, FileConfinement files) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException(dir + ": not a directory (" + FILES + ")");
    }
    Path configFile = dir.resolve("config.json"), weightsFile = weightsFile(dir), tokenizerFile = dir.resolve("tokenizer.json");
    for (Path p : List.of(configFile, weightsFile, tokenizerFile)) {
      if (!Files.isRegularFile(p)) {
        throw new IOException(dir + ": no " + p.getFileName() + " (" + FILES + ")");
      }
    }
    byte[] configBytes = bytes(configFile, files);
    JsonNode c = json(configBytes, configFile);
    Family family = family(c, configFile);
    BertConfig config = config(c, configFile);
    String prefix;
    try (WeightFile file = WeightFile.open(weightsFile, files)) {
      prefix = Stream.of("", family.taskPrefix).filter(p -> file.names().contains(p + "embeddings.word_embeddings.weight"))
          .findFirst().orElseThrow(() -> new IOException(weightsFile + ": no tensor 'embeddings.word_embeddings.weight' "
              + "(nor under '" + family.taskPrefix + "'): not a " + c.path("model_type").asText() + " encoder's weights?"));
      for (Map.Entry<String, long[]> e : BertEncoder.weightShapes(config).entrySet()) {
        String name = fileName(family, prefix, e.getKey());
        if (name == null) {
          continue; // made, not read
        }
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
    return new HfEncoderDirectory(dir, family, config, pooling, prefix, tokenizer, sha256);
  }

  /** The encoder's weights in the BERT layout ({@link BertEncoder#weightShapes}), read through {@code files}. */
  public Map<String, Weight> readWeights(FileConfinement files) throws IOException {
    Path weightsFile = weightsFile(dir);
    Map<String, Weight> weights = new LinkedHashMap<>();
    try (WeightFile file = WeightFile.open(weightsFile, files)) {
      for (Map.Entry<String, long[]> e : BertEncoder.weightShapes(config).entrySet()) {
        String name = fileName(family, prefix, e.getKey());
        Weight w = name == null ? new Weight(new float[(int) (e.getValue()[0] * e.getValue()[1])], e.getValue())
            : file.read(name);
        if (!Arrays.equals(w.shape(), e.getValue())) { // the file changed since it was opened
          throw new IOException(weightsFile + ": tensor '" + name + "' has shape " + Arrays.toString(w.shape())
              + ", config.json implies " + Arrays.toString(e.getValue()));
        }
        weights.put(e.getKey(), w);
      }
    }
    return weights;
  }

  /** model.safetensors, or model.onnx where there is no safetensors file. */
  private static Path weightsFile(Path dir) {
    Path safetensors = dir.resolve("model.safetensors"), onnx = dir.resolve("model.onnx");
    return !Files.isRegularFile(safetensors) && Files.isRegularFile(onnx) ? onnx : safetensors;
  }

  /**
   * The file's name for a tensor of the BERT layout; null for DistilBERT's token-type table,
   * which it does not have (one row of zeros: its embeddings are words plus positions).
   */
  static String fileName(Family family, String prefix, String bertName) {
    if (family != Family.DISTILBERT) {
      return prefix + bertName;
    }
    if (bertName.equals("embeddings.token_type_embeddings.weight")) {
      return null;
    }
    if (bertName.startsWith("embeddings.")) {
      return prefix + bertName;
    }
    String[] parts = bertName.split("\\.", 4); // encoder . layer . N . rest
    String rest = parts[3];
    String renamed = switch (rest.substring(0, rest.lastIndexOf('.'))) {
      case "attention.self.query" -> "attention.q_lin";
      case "attention.self.key" -> "attention.k_lin";
      case "attention.self.value" -> "attention.v_lin";
      case "attention.output.dense" -> "attention.out_lin";
      case "attention.output.LayerNorm" -> "sa_layer_norm";
      case "intermediate.dense" -> "ffn.lin1";
      case "output.dense" -> "ffn.lin2";
      case "output.LayerNorm" -> "output_layer_norm";
      default -> throw new IllegalArgumentException("no DistilBERT name for " + bertName);
    };
    return prefix + "transformer.layer." + parts[2] + "." + renamed + rest.substring(rest.lastIndexOf('.'));
  }

  private static Family family(JsonNode c, Path file) throws IOException {
    String type = c.path("model_type").asText("");
    Family family = SUPPORTED.get(type);
    if (family == null) {
      throw new IOException(file + ": model_type '" + type + "' is not supported (supported: " + SUPPORTED.keySet()
          + ")");
    }
    return family;
  }

  /** The encoder's shape from config.json, or a refusal naming the field. */
  static BertConfig config(JsonNode c, Path file) throws IOException {
    Family family = family(c, file);
    boolean distil = family == Family.DISTILBERT;
    String actField = distil ? "activation" : "hidden_act";
    String act = c.path(actField).asText("gelu");
    if (!act.equals("gelu")) {
      throw new IOException(file + ": " + actField + " '" + act + "' is not supported (gelu, the exact erf form)");
    }
    String positions = c.path("position_embedding_type").asText("absolute");
    if (!positions.equals("absolute")) {
      throw new IOException(file + ": position_embedding_type '" + positions + "' is not supported (absolute)");
    }
    String hiddenField = distil ? "dim" : "hidden_size", headsField = distil ? "n_heads" : "num_attention_heads";
    int hidden = (int) positive(c, hiddenField, -1, file), heads = (int) positive(c, headsField, -1, file);
    if (hidden % heads != 0) {
      throw new IOException(file + ": " + hiddenField + " " + hidden + " is not a multiple of " + headsField + " "
          + heads);
    }
    double eps = distil ? 1e-12 : c.path("layer_norm_eps").asDouble(1e-12); // DistilBERT's is fixed
    if (!(eps > 0)) {
      throw new IOException(file + ": layer_norm_eps must be > 0, got " + c.get("layer_norm_eps"));
    }
    int typeVocab = distil ? 1 : (int) positive(c, "type_vocab_size", family == Family.ROBERTA ? 1 : 2, file);
    // RoBERTa numbers positions from padding_idx + 1 (its pad token's id): the first two rows are never used
    int offset = family == Family.ROBERTA ? (int) positive(c, "pad_token_id", 1, file) + 1 : 0;
    int maxPositions = (int) positive(c, "max_position_embeddings", -1, file);
    if (maxPositions <= offset) {
      throw new IOException(file + ": max_position_embeddings " + maxPositions + " leaves no position after "
          + "pad_token_id + 1 = " + offset);
    }
    return new BertConfig((int) positive(c, distil ? "n_layers" : "num_hidden_layers", -1, file), hidden, heads,
        (int) positive(c, distil ? "hidden_dim" : "intermediate_size", -1, file),
        (int) positive(c, "vocab_size", -1, file), maxPositions, eps, typeVocab, offset);
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
