package org.gemsj.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.backbone.BertEncoder;
import org.gemsj.backbone.BundledBackbone;
import org.gemsj.data.Item;
import org.gemsj.io.AtomicFiles;

/**
 * A trained model as a self-contained directory: config.json (structure, and which backbone it
 * started from), items.json (the catalogue and each item's identifier tokens), weights.bin,
 * tokenizer.json and, with the item-to-item prior, transitions.json. Nothing else (no training
 * data, no backbone directory) is needed to load it. Models saved before they carried
 * tokenizer.json read their bundled backbone's.
 */
public final class ModelStore {
  private static final String TOKENIZER = "tokenizer.json";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** The catalogue entry saved with the model. */
  record SavedItem(String id, String title, String text, List<String> categories, int[] tokens) {}

  record SavedIds(ItemIds.Scheme scheme, int levels, int codebook, int suffixes, List<SavedItem> items) {}

  private ModelStore() {}

  /** Writes the model to {@code dir}, replacing what was there only once the new copy is complete. */
  public static void save(GenerativeModel model, Path dir) throws IOException {
    save(model, model.params.asMap(), dir);
  }

  /** Saves with {@code weights} in place of the model's own (e.g. LoRA adapters merged in). */
  public static void save(GenerativeModel model, Map<String, Tensor> weights, Path dir) throws IOException {
    List<SavedItem> items = new ArrayList<>();
    for (int i = 0; i < model.items().size(); i++) {
      Item it = model.items().get(i);
      items.add(new SavedItem(it.id(), it.title(), it.text(), it.categories(), model.ids.tokensOf(i)));
    }
    ItemIds ids = model.ids;
    AtomicFiles.replaceDirectory(dir, staging -> {
      AtomicFiles.write(staging.resolve("config.json"), JSON.writeValueAsBytes(model.config));
      AtomicFiles.write(staging.resolve("items.json"),
          JSON.writeValueAsBytes(new SavedIds(ids.scheme, ids.levels, ids.codebook, ids.suffixes, items)));
      ParamFile.write(staging.resolve("weights.bin"), weights);
      AtomicFiles.write(staging.resolve(TOKENIZER), model.tokenizerJson());
      if (model.transitions() != null) {
        model.transitions().save(staging.resolve(TransitionPrior.FILE));
      }
    });
  }

  public static GenerativeModel load(Path dir) throws IOException {
    for (String f : List.of("config.json", "items.json", "weights.bin")) {
      if (!Files.isRegularFile(dir.resolve(f))) {
        throw new IOException(dir + " is not a saved GEMS-J model: " + f + " is missing");
      }
    }
    ModelConfig config = JSON.readValue(dir.resolve("config.json").toFile(), ModelConfig.class);
    SavedIds saved = JSON.readValue(dir.resolve("items.json").toFile(), SavedIds.class);
    List<Item> items = new ArrayList<>();
    int[][] tokens = new int[saved.items().size()][];
    for (int i = 0; i < tokens.length; i++) {
      SavedItem s = saved.items().get(i);
      items.add(new Item(s.id(), s.title(), s.text(), s.categories()));
      tokens[i] = s.tokens();
    }
    ItemIds ids = ItemIds.fromTokens(saved.scheme(), saved.levels(), saved.codebook(), saved.suffixes(), tokens);
    Params params = ParamFile.read(dir.resolve("weights.bin"));
    for (String name : params.names()) { // a NaN weight would answer every query with NaN scores
      try (PointerScope scope = new PointerScope()) {
        if (!torch.isfinite(params.get(name)).all().item_bool()) {
          throw new IOException(dir.resolve("weights.bin") + ": tensor '" + name + "' holds NaN or Inf values");
        }
      }
    }
    BertEncoder encoder;
    ItemDecoder decoder;
    try {
      encoder = BertEncoder.attach(config.encoder(), params, "encoder.");
      decoder = ItemDecoder.attach(config.decoder(), params, "decoder.");
    } catch (RuntimeException e) { // libtorch's message carries its C++ stack: keep its first line
      throw new IOException(dir.resolve("weights.bin") + " does not fit " + dir.resolve("config.json") + ": "
          + String.valueOf(e.getMessage()).lines().findFirst().orElse(""), e);
    }
    Path table = dir.resolve(TransitionPrior.FILE);
    TransitionPrior transitions = Files.isRegularFile(table) ? TransitionPrior.load(table, items.size()) : null;
    if ((transitions != null) != params.has(TransitionPrior.SCALE)) {
      throw new IOException(dir + ": " + (transitions != null ? "weights.bin lacks " + TransitionPrior.SCALE
          : TransitionPrior.FILE + " is missing") + " (the model was saved incompletely)");
    }
    return new GenerativeModel(config, params, encoder, decoder, ids, items, transitions, tokenizer(dir, config));
  }

  private static byte[] tokenizer(Path dir, ModelConfig config) throws IOException {
    Path file = dir.resolve(TOKENIZER);
    if (Files.isRegularFile(file)) {
      return Files.readAllBytes(file);
    }
    if (config.backbone() instanceof BundledBackbone bundled) {
      return bundled.tokenizerJson();
    }
    throw new IOException(dir + ": " + TOKENIZER + " is missing (the model was saved incompletely)");
  }
}
