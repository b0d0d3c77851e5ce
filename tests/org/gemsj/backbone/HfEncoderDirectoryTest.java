package org.gemsj.backbone;

import static org.gemsj.backbone.SafeTensorsTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.io.FileConfinement;
import org.gemsj.model.Params;
import org.gemsj.torch.Tensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Hugging Face encoder directory written from the MiniLM weights in the jar (config.json,
 * model.safetensors or model.onnx, tokenizer.json, 1_Pooling/config.json), as BERT, RoBERTa and
 * DistilBERT would each hold them, gives the sentence embeddings ONNX Runtime computes on the
 * original ONNX file; a directory that gets anything wrong is refused naming the file and the
 * tensor.
 */
class HfEncoderDirectoryTest {
  private static final List<String> SENTENCES = List.of("The quick brown fox jumps over the lazy dog.",
      "waterproof hiking boots", "Ein kleines Café in Zürich serviert den besten Kuchen.", "a",
      "Sci-fi movies from the 80s with time travel, robots & dystopian cities");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  /** MiniLM's weights from the ONNX file in the jar, under Hugging Face's BERT names. */
  private static Map<String, Weight> miniLm() throws IOException {
    return OnnxWeights.readResource(BundledBackbone.MINILM.onnxResource);
  }

  /** MiniLM's config.json as {@code modelType} spells it, and the number of layers. */
  private static Map<String, Object> miniLmConfig(Map<String, Weight> onnx, String modelType) {
    int layers = 0;
    while (onnx.containsKey("encoder.layer." + layers + ".attention.self.query.weight")) {
      layers++;
    }
    long[] word = onnx.get("embeddings.word_embeddings.weight").shape();
    long positions = onnx.get("embeddings.position_embeddings.weight").shape()[0];
    long inter = onnx.get("encoder.layer.0.intermediate.dense.weight").shape()[0];
    Map<String, Object> c = new LinkedHashMap<>(Map.of("model_type", modelType, "vocab_size", word[0]));
    switch (modelType) {
      case "distilbert" -> c.putAll(Map.of("dim", word[1], "n_layers", layers, "n_heads", BundledBackbone.MINILM.heads,
          "hidden_dim", inter, "max_position_embeddings", positions, "activation", "gelu"));
      default -> c.putAll(Map.of("hidden_act", "gelu", "hidden_size", word[1], "num_hidden_layers", layers,
          "num_attention_heads", BundledBackbone.MINILM.heads, "intermediate_size", inter, "layer_norm_eps", 1e-12,
          // RoBERTa: two unused rows before the first position (pad_token_id 1), one token type
          "max_position_embeddings", modelType.equals("roberta") ? positions + 2 : positions,
          "type_vocab_size", modelType.equals("roberta") ? 1 : 2, "pad_token_id", 1));
    }
    return c;
  }

  /**
   * MiniLM re-exported as {@code modelType} would hold it, computing the same function on single
   * texts (token type 0): RoBERTa's position table shifted down two rows behind rows of noise and
   * cut to its type-0 row; DistilBERT's tensors renamed and the type-0 row folded into the
   * positions, since it has no token types.
   */
  private static List<SafeTensorsWriter.Entry> reExport(Map<String, Weight> onnx, String modelType, String dtype,
      String prefix, Random r) {
    Map<String, Weight> w = new LinkedHashMap<>(onnx);
    Weight pos = w.get("embeddings.position_embeddings.weight"), type = w.get("embeddings.token_type_embeddings.weight");
    int h = (int) pos.shape()[1], n = (int) pos.shape()[0];
    switch (modelType) {
      case "roberta" -> {
        float[] shifted = new float[(n + 2) * h];
        for (int i = 0; i < 2 * h; i++) {
          shifted[i] = (float) r.nextGaussian(); // never read: positions start at 2
        }
        System.arraycopy(pos.values(), 0, shifted, 2 * h, n * h);
        w.put("embeddings.position_embeddings.weight", new Weight(shifted, new long[] {n + 2, h}));
        w.put("embeddings.token_type_embeddings.weight", new Weight(Arrays.copyOf(type.values(), h), new long[] {1, h}));
      }
      case "distilbert" -> {
        float[] folded = pos.values().clone();
        for (int i = 0; i < folded.length; i++) {
          folded[i] += type.values()[i % h];
        }
        w.put("embeddings.position_embeddings.weight", new Weight(folded, pos.shape()));
        w.remove("embeddings.token_type_embeddings.weight");
      }
      default -> {}
    }
    HfEncoderDirectory.Family family = HfEncoderDirectory.SUPPORTED.get(modelType);
    List<SafeTensorsWriter.Entry> entries = new ArrayList<>();
    for (Map.Entry<String, Weight> e : w.entrySet()) {
      String name = HfEncoderDirectory.fileName(family, prefix, e.getKey());
      entries.add(dtype.equals("F32") ? SafeTensorsWriter.f32(name, e.getValue())
          : SafeTensorsWriter.bf16(name, e.getValue()));
    }
    // what exports also hold: an int64 buffer and a task head, which the encoder does not read
    entries.add(new SafeTensorsWriter.Entry(prefix + "embeddings.position_ids", "I64", new long[] {1, 2}, new byte[16]));
    entries.add(SafeTensorsWriter.f32("cls.predictions.bias", new Weight(new float[] {0.5f, -1f}, new long[] {2})));
    Collections.shuffle(entries, r);
    return entries;
  }

  private static void writeDirectory(Path dir, Map<String, Object> config) throws IOException {
    Files.createDirectories(dir.resolve("1_Pooling"));
    JSON.writeValue(dir.resolve("config.json").toFile(), config);
    JSON.writeValue(dir.resolve("1_Pooling/config.json").toFile(), Map.of("pooling_mode_cls_token", false,
        "pooling_mode_mean_tokens", true, "pooling_mode_max_tokens", false));
    try (InputStream in = TextTokenizer.class.getResourceAsStream(BundledBackbone.MINILM.tokenizerResource)) {
      Files.copy(in, dir.resolve("tokenizer.json"));
    }
  }

  @Test
  void miniLmReExportedAsEachArchitectureMatchesOnnxRuntime() throws Exception {
    Random r = new Random(System.nanoTime());
    Map<String, Weight> onnx = miniLm();
    List<String> texts = new ArrayList<>(SENTENCES);
    Collections.shuffle(texts, r);
    record Case(String modelType, String dtype, String prefix) {}
    List<Case> cases = new ArrayList<>();
    for (String dtype : List.of("F32", "BF16")) { // a BertModel export, or a task model's
      cases.add(new Case("bert", dtype, r.nextBoolean() ? "bert." : ""));
    }
    cases.add(new Case("roberta", "F32", "roberta."));
    cases.add(new Case("distilbert", "F32", r.nextBoolean() ? "distilbert." : ""));
    for (Case c : cases) {
      Path dir = tmp.resolve(c.modelType() + "-" + c.dtype());
      writeDirectory(dir, miniLmConfig(onnx, c.modelType()));
      SafeTensorsWriter.write(dir.resolve("model.safetensors"), reExport(onnx, c.modelType(), c.dtype(), c.prefix(), r));
      // fp32: the same weights, so ONNX Runtime's rounding only. bf16 keeps 8 significant bits of each weight
      assertMatchesOnnxRuntime(dir, texts, c.dtype().equals("F32") ? 1e-4 : BF16_BOUND, c.toString());
    }
    Path onnxDir = tmp.resolve("onnx"); // the ONNX file itself, where a directory has no safetensors
    writeDirectory(onnxDir, miniLmConfig(onnx, "bert"));
    try (InputStream in = TextTokenizer.class.getResourceAsStream(BundledBackbone.MINILM.onnxResource)) {
      Files.copy(in, onnxDir.resolve("model.onnx"));
    }
    assertMatchesOnnxRuntime(onnxDir, texts, 1e-4, "model.onnx");
  }

  private static void assertMatchesOnnxRuntime(Path dir, List<String> texts, double bound, String label)
      throws Exception {
    Backbone backbone = Backbone.parse(dir.toString(), FileConfinement.NONE); // what --backbone DIR does
    assertEquals(Backbone.Pooling.MEAN, backbone.pooling());
    Pretrained pretrained = backbone.read();
    Params params = new Params();
    BertEncoder encoder = pretrained.encoder(params, "");
    try (TextTokenizer tokenizer = pretrained.tokenizer(64);
        PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      TextTokenizer.Batch batch = tokenizer.encode(texts);
      Tensor ours = BertEncoder.pool(encoder.forward(batch.ids(), batch.mask(), batch.types(), 0), batch.mask(),
          backbone.pooling());
      Tensor reference = BertEncoder.pool(EncoderOnnxParityTest.onnxRuntimeStates(BundledBackbone.MINILM, batch),
          batch.mask(), BundledBackbone.MINILM.pooling());
      float[] a = Tensors.toFloats(ours), ref = Tensors.toFloats(reference);
      double worst = 0;
      for (int i = 0; i < a.length; i++) {
        worst = Math.max(worst, Math.abs(a[i] - ref[i]));
      }
      assertTrue(worst < bound, label + ": max |ours - onnxruntime| = " + worst);
      assertTrue(Math.abs(a[0] - a[a.length / texts.size()]) > 1e-4, "different sentences differ");
      if (pretrained.config().typeVocab() == 1) { // one token type: a pair's second text reads as type 0
        Tensor asPair = encoder.forward(batch.ids(), batch.mask(), torch.ones_like(batch.types()), 0);
        Tensor asOne = encoder.forward(batch.ids(), batch.mask(), batch.types(), 0);
        assertTrue(asPair.equal(asOne), label + ": types ignored");
      }
    }
  }

  /**
   * Bound on |bf16 - onnxruntime| for a coordinate of a unit-norm MiniLM embedding (384 of them,
   * typically 0.05 in size): measured 1.3e-3 on these sentences (fp32: 1.6e-7), bounded at 4x that.
   */
  static final double BF16_BOUND = 5e-3;

  /** A small BERT directory of fresh random weights, for the refusals. */
  private Path tinyDirectory(String name, Map<String, Object> configChanges,
      Function<List<SafeTensorsWriter.Entry>, List<SafeTensorsWriter.Entry>> weightChanges) throws IOException {
    return TinyEncoderDirectory.write(tmp.resolve(name), new BertConfig(2, 8, 2, 16, 30, 16, 1e-12), configChanges,
        weightChanges, new Random(System.nanoTime()));
  }

  @Test
  void refusesWhatItCannotReadNamingTheFileTensorAndShape() throws IOException {
    Function<List<SafeTensorsWriter.Entry>, List<SafeTensorsWriter.Entry>> same = e -> e;
    Path ok = tinyDirectory("ok", Map.of(), same);
    HfEncoderDirectory fine = HfEncoderDirectory.open(ok);
    assertEquals(new BertConfig(2, 8, 2, 16, 30, 16, 1e-12), fine.config());
    assertEquals(Backbone.Pooling.MEAN, fine.pooling(), "mean pooling without 1_Pooling/config.json");

    assertMessage("config.json: model_type 'gpt2' is not supported (supported: [bert, camembert, distilbert, roberta, "
        + "xlm-roberta])", () -> HfEncoderDirectory.open(tinyDirectory("gpt2", Map.of("model_type", "gpt2"), same)));
    assertMessage("config.json: hidden_act 'relu' is not supported",
        () -> HfEncoderDirectory.open(tinyDirectory("relu", Map.of("hidden_act", "relu"), same)));
    assertMessage("config.json: hidden_size 8 is not a multiple of num_attention_heads 3",
        () -> HfEncoderDirectory.open(tinyDirectory("heads", Map.of("num_attention_heads", 3), same)));
    assertMessage("config.json: intermediate_size must be a positive integer, got \"wide\"",
        () -> HfEncoderDirectory.open(tinyDirectory("inter", Map.of("intermediate_size", "wide"), same)));
    assertMessage("model.safetensors: no tensor 'encoder.layer.1.output.dense.bias', which config.json's 2 layers of "
        + "width 8 need (shape [8])", () -> HfEncoderDirectory.open(tinyDirectory("missing", Map.of(), e -> e.stream()
            .filter(x -> !x.name().equals("encoder.layer.1.output.dense.bias")).toList())));
    assertMessage("model.safetensors: tensor 'encoder.layer.0.attention.self.key.weight' has shape [8, 7], config.json "
        + "implies [8, 8]", () -> HfEncoderDirectory.open(tinyDirectory("shape", Map.of(), e -> e.stream()
            .map(x -> x.name().equals("encoder.layer.0.attention.self.key.weight")
                ? SafeTensorsWriter.f32(x.name(), new Weight(new float[56], new long[] {8, 7})) : x).toList())));
    assertMessage("model.safetensors: tensor 'embeddings.LayerNorm.bias': dtype I64 is not supported",
        () -> HfEncoderDirectory.open(tinyDirectory("dtype", Map.of(), e -> e.stream()
            .map(x -> x.name().equals("embeddings.LayerNorm.bias")
                ? new SafeTensorsWriter.Entry(x.name(), "I64", new long[] {8}, new byte[64]) : x).toList())));
    assertMessage("model.safetensors: no tensor 'embeddings.word_embeddings.weight' (nor under 'bert.')",
        () -> HfEncoderDirectory.open(tinyDirectory("renamed", Map.of(), e -> e.stream()
            .map(x -> SafeTensorsWriter.f32("roberta." + x.name(), new Weight(new float[x.bytes().length / 4],
                x.shape()))).toList())));

    Files.delete(tinyDirectory("notok", Map.of(), same).resolve("tokenizer.json"));
    assertMessage("no tokenizer.json", () -> HfEncoderDirectory.open(tmp.resolve("notok")));
    assertMessage("not a directory", () -> HfEncoderDirectory.open(tmp.resolve("absent")));
    Path pooling = tinyDirectory("pooling", Map.of(), same);
    Files.createDirectories(pooling.resolve("1_Pooling"));
    Files.writeString(pooling.resolve("1_Pooling/config.json"), "{\"pooling_mode_cls_token\": true}");
    assertEquals(Backbone.Pooling.CLS, HfEncoderDirectory.open(pooling).pooling());
    Files.writeString(pooling.resolve("1_Pooling/config.json"), "{\"pooling_mode_max_tokens\": true}");
    assertMessage("1_Pooling/config.json: pooling_mode_max_tokens is not supported",
        () -> HfEncoderDirectory.open(pooling));
    Files.writeString(pooling.resolve("1_Pooling/config.json"), "{\"pooling_mode_cls_token\": ");
    assertMessage("1_Pooling/config.json: not JSON", () -> HfEncoderDirectory.open(pooling));
    Path tokenizer = tinyDirectory("tokenizer", Map.of(), same);
    Files.writeString(tokenizer.resolve("tokenizer.json"), "{\"model\": 42}");
    assertMessage("tokenizer.json: not a tokenizer Hugging Face tokenizers can load",
        () -> HfEncoderDirectory.open(tokenizer));
    IllegalArgumentException neither = assertThrows(IllegalArgumentException.class,
        () -> Backbone.parse("gpt", FileConfinement.NONE));
    assertTrue(neither.getMessage().equals("--backbone 'gpt' is neither a bundled encoder (minilm or bge-small) nor a directory"), neither.getMessage());
  }

  @Test
  void aDirectoryBackboneIsRecordedByPathAndDigestAndRefusedOnceItsFilesChange() throws Exception {
    Path dir = tinyDirectory("recorded", Map.of(), e -> e);
    Backbone b = Backbone.parse(dir.toString(), FileConfinement.NONE);
    String json = JSON.writeValueAsString(b);
    Backbone again = JSON.readValue(json, Backbone.class);
    assertEquals(b, again, json);
    assertTrue(json.contains(dir.toAbsolutePath().toString()) && json.contains("\"pooling\":\"mean\""), json);
    assertEquals(BundledBackbone.MINILM, JSON.readValue("\"MINILM\"", Backbone.class), "older runs' enum name");
    assertEquals(BundledBackbone.BGE_SMALL, JSON.readValue(JSON.writeValueAsString(BundledBackbone.BGE_SMALL),
        Backbone.class));
    assertEquals(2, again.read().config().layers());

    Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json")).replace("}",
        ", \"layer_norm_eps\": 1e-5}"));
    assertMessage("the encoder's files changed since this run was configured", again::read);
    Backbone changed = Backbone.parse(dir.toString(), FileConfinement.NONE);
    assertTrue(!changed.cacheKey().equals(b.cacheKey()), "another digest, so other caches");
  }
}
