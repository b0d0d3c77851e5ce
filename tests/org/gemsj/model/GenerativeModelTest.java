package org.gemsj.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.backbone.BundledBackbone;
import org.gemsj.data.Example;
import org.gemsj.data.Item;
import org.gemsj.data.Task;
import org.gemsj.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model's full-catalogue scores agree with its own beam search and with its loss (both
 * are the identifier's constrained log-likelihood), and survive a save/load round trip.
 */
class GenerativeModelTest {
  @TempDir Path dir;

  private static List<Item> catalogue(int n, Random r) {
    String[] nouns = {"boots", "tent", "kettle", "lamp", "jacket", "stove", "mug", "backpack"};
    String[] adjectives = {"waterproof", "blue", "light", "steel", "warm", "compact", "red", "classic"};
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      items.add(new Item("i" + i, adjectives[r.nextInt(8)] + " " + adjectives[r.nextInt(8)] + " " + nouns[i % 8] + " " + i,
          "", List.of(nouns[i % 8])));
    }
    return items;
  }


  @Test
  void semanticScoresMatchBeamSearchAndLossAndSurviveSaveLoad() throws IOException {
    Random r = new Random(System.nanoTime());
    List<Item> items = catalogue(24, r);
    try (GenerativeModel model = ModelFactory.create(TinyModels.options(ItemIds.Scheme.SEMANTIC), items, r.nextLong())) {
      TinyModels.perturbDecoder(model, r); // scores of a fresh decoder are nearly flat; make them distinct
      Example e = new Example("u", Task.SEARCH, List.of("i3", "i5"), "warm tent", "i7", 0);
      float[] scores = model.scoreAll(List.of(e))[0];
      // beam search as wide as the catalogue returns the same scores and order
      List<ScoredItem> top = model.topK(e, 5, items.size());
      // the two paths run the decoder on differently shaped batches: float32 rounding differs,
      // so the bound is relative to the score (sums of logits of magnitude ~10)
      for (int j = 0; j < top.size(); j++) {
        double expected = scores[model.indexOf(top.get(j).id())];
        assertEquals(expected, top.get(j).score(), 1e-4 * Math.max(1, Math.abs(expected)));
      }
      for (float s : scores) {
        assertTrue(s <= top.get(0).score() + 1e-4 * Math.max(1, Math.abs(s)));
      }
      // the loss of an example is minus the score of its target
      try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
        assertEquals(-scores[7], model.loss(List.of(e), 0).item_double(), 1e-3);
      }
      // probabilities over the catalogue sum to one (the trie constraint renormalises)
      double total = 0;
      for (float s : scores) {
        total += Math.exp(s);
      }
      assertEquals(1.0, total, 1e-4);
      ModelStore.save(model, dir.resolve("model"));
      try (GenerativeModel loaded = ModelStore.load(dir.resolve("model"))) {
        assertArrayEquals(scores, loaded.scoreAll(List.of(e))[0], 1e-6f);
      }
    }
  }

  /** Between 1 and n distinct positions of 0..n-1, in random order. */
  private static int[] randomSubset(int n, Random r) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      order.add(i);
    }
    Collections.shuffle(order, r);
    return order.subList(0, 1 + r.nextInt(n)).stream().mapToInt(Integer::intValue).toArray();
  }

  /** A subset of items, in any order and with the prior on, scores as the whole catalogue scores them. */
  @Test
  void scoreItemsEqualsScoreAllForThoseItems() throws IOException {
    Random r = new Random(System.nanoTime());
    List<Item> items = catalogue(30, r);
    for (ItemIds.Scheme scheme : ItemIds.Scheme.values()) {
      try (GenerativeModel model = ModelFactory.create(TinyModels.options(scheme), items, r.nextLong())) {
        TinyModels.perturbDecoder(model, r);
        for (Example e : List.of(new Example("u", Task.SEARCH, List.of("i3", "i5"), "warm tent", null, 0),
            new Example("u", Task.REC, List.of("i1", "i9", "i4"), null, null, 0))) {
          float[] all = model.scoreAll(List.of(e))[0];
          int[] subset = randomSubset(items.size(), r);
          float[] some = model.scoreItems(e, subset);
          assertEquals(subset.length, some.length);
          for (int c = 0; c < subset.length; c++) {
            double expected = all[subset[c]]; // other batch shapes for semantic ids: float32 rounding differs
            assertEquals(expected, some[c], 1e-4 * Math.max(1, Math.abs(expected)), scheme + " item " + subset[c]);
          }
        }
        assertThrows(IllegalArgumentException.class, () -> model.scoreItems(
            new Example("u", Task.REC, List.of("i1"), null, null, 0), new int[] {items.size()}));
      }
    }
  }

  /**
   * A batch of top-k and candidate-score requests gets each request's answer alone (topK,
   * scoreItems), to float rounding (the batch pads its inputs).
   */
  @Test
  void inferBatchIsEachRequestAlone() throws IOException {
    Random r = new Random(System.nanoTime());
    List<Item> items = catalogue(30, r);
    for (ItemIds.Scheme scheme : ItemIds.Scheme.values()) {
      try (GenerativeModel model = ModelFactory.create(TinyModels.options(scheme), items, r.nextLong())) {
        TinyModels.perturbDecoder(model, r);
        int[] someItems = randomSubset(items.size(), r);
        List<GenerativeModel.Request> batch = List.of(
            GenerativeModel.Request.topK(new Example("a", Task.SEARCH, List.of("i3", "i5"), "warm tent", null, 0), 3, 20),
            GenerativeModel.Request.scores(new Example("r", Task.SEARCH, List.of("i2"), "red lamp", null, 0), someItems),
            GenerativeModel.Request.topK(new Example("b", Task.REC, List.of("i1", "i9", "i4"), null, null, 0), 5, 5),
            GenerativeModel.Request.scores(new Example("s", Task.REC, List.of("i7", "i8"), null, null, 0), new int[] {4}),
            GenerativeModel.Request.topK(new Example("c", Task.SEARCH, List.of(), "blue steel kettle lamp mug", null, 0),
                1, 30));
        List<GenerativeModel.Answer> together = model.inferBatch(batch);
        assertEquals(batch.size(), together.size());
        for (int e = 0; e < batch.size(); e++) {
          GenerativeModel.Request q = batch.get(e);
          String what = scheme + " request " + e;
          if (q.candidates() != null) {
            float[] alone = model.scoreItems(q.example(), q.candidates()), got = together.get(e).scores();
            assertEquals(alone.length, got.length, what);
            for (int c = 0; c < alone.length; c++) {
              assertEquals(alone[c], got[c], 1e-4 * Math.max(1, Math.abs(alone[c])), what + " candidate " + c);
            }
            continue;
          }
          List<ScoredItem> alone = model.topK(q.example(), q.k(), q.beamWidth());
          assertEquals(alone.stream().map(ScoredItem::id).toList(), together.get(e).top().stream().map(ScoredItem::id)
              .toList(), what);
          for (int j = 0; j < alone.size(); j++) {
            double want = alone.get(j).score();
            assertEquals(want, together.get(e).top().get(j).score(), 1e-4 * Math.max(1, Math.abs(want)), what);
          }
        }
        int[] outside = {0, items.size()};
        assertThrows(IllegalArgumentException.class, () -> model.inferBatch(List.of(batch.get(0),
            GenerativeModel.Request.scores(batch.get(1).example(), outside))));
      }
    }
  }

  @Test
  void atomicScoresAreALogSoftmaxOverItems() throws IOException {
    Random r = new Random(System.nanoTime());
    List<Item> items = catalogue(9, r);
    try (GenerativeModel model = ModelFactory.create(TinyModels.options(ItemIds.Scheme.ATOMIC), items, r.nextLong())) {
      TinyModels.perturbDecoder(model, r);
      Example e = new Example("u", Task.REC, List.of("i1", "i2"), null, "i4", 0);
      float[] scores = model.scoreAll(List.of(e))[0];
      double total = 0;
      for (float s : scores) {
        total += Math.exp(s);
      }
      assertEquals(1.0, total, 1e-4);
      try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
        assertEquals(-scores[4], model.loss(List.of(e), 0).item_double(), 1e-4);
      }
      assertThrows(IllegalArgumentException.class, () -> model.indexOf("nope"));
    }
  }

  @Test
  void historyItemsChangeTheScoresAndTheirOrderMatters() throws IOException {
    Random r = new Random(System.nanoTime());
    List<Item> items = catalogue(12, r);
    try (GenerativeModel model = ModelFactory.create(TinyModels.options(ItemIds.Scheme.ATOMIC), items, r.nextLong())) {
      TinyModels.perturbDecoder(model, r);
      float[] ab = model.scoreAll(List.of(new Example("u", Task.REC, List.of("i1", "i2"), null, "i4", 0)))[0];
      float[] ba = model.scoreAll(List.of(new Example("u", Task.REC, List.of("i2", "i1"), null, "i4", 0)))[0];
      float[] ac = model.scoreAll(List.of(new Example("u", Task.REC, List.of("i1", "i3"), null, "i4", 0)))[0];
      assertTrue(maxDiff(ab, ba) > 1e-4, "order of the history is read");
      assertTrue(maxDiff(ab, ac) > 1e-4, "the items themselves are read");
      // the input vector of an item is its identifier embedding: changing that row changes the scores
      try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
        model.decoder.tokenEmbeddings().select(0, model.ids.tokensOf(2)[0]).add_(torch.randn(384));
      }
      float[] changed = model.scoreAll(List.of(new Example("u", Task.REC, List.of("i1", "i2"), null, "i4", 0)))[0];
      assertTrue(maxDiff(ab, changed) > 1e-4);
    }
  }

  @Test
  void itemPriorStartsEachIdentifierBiasAtItsLogCount() throws IOException {
    Random r = new Random(System.nanoTime());
    List<Item> items = catalogue(10, r);
    float[] counts = new float[items.size()];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = r.nextInt(50);
    }
    try (GenerativeModel model = ModelFactory.create(TinyModels.options(ItemIds.Scheme.ATOMIC), items, r.nextLong())) {
      model.initItemPrior(counts);
      float[] bias = org.gemsj.torch.Tensors.toFloats(model.params.get("decoder.output_bias"));
      for (int i = 0; i < counts.length; i++) {
        assertEquals(Math.log1p(counts[i]), bias[model.ids.tokensOf(i)[0]], 1e-6);
      }
      assertEquals(0f, bias[ItemIds.BOS]);
      assertThrows(IllegalArgumentException.class, () -> model.initItemPrior(new float[3]));
    }
    try (GenerativeModel semantic = ModelFactory.create(TinyModels.options(ItemIds.Scheme.SEMANTIC), items, r.nextLong())) {
      assertThrows(IllegalStateException.class, () -> semantic.initItemPrior(counts));
    }
  }

  @Test
  void transitionPriorAddsEachTasksScaledLogCountsAndSurvivesSaveLoad() throws IOException {
    Random r = new Random(System.nanoTime());
    int n = 11;
    List<Item> items = catalogue(n, r);
    List<Example> train = new ArrayList<>();
    for (int k = 0; k < 80; k++) { // newest history items among i0..i3, so each is followed several times
      train.add(new Example("u" + k, r.nextBoolean() ? Task.REC : Task.SEARCH,
          List.of("i" + r.nextInt(n), "i" + r.nextInt(4)), "warm tent", "i" + r.nextInt(n), k));
    }
    int[] followers = new int[n]; // what the prior should count for a history ending in i2
    for (Example e : train) {
      if (e.history().get(1).equals("i2")) {
        followers[Integer.parseInt(e.target().substring(1))]++;
      }
    }
    Example rec = new Example("v", Task.REC, List.of("i5", "i2"), null, "i4", 0);
    Example search = new Example("v", Task.SEARCH, List.of("i5", "i2"), "warm tent", "i7", 0);
    Example cold = new Example("v", Task.REC, List.of(), null, "i4", 0); // no history: no prior
    try (GenerativeModel model = ModelFactory.create(TinyModels.options(ItemIds.Scheme.ATOMIC), items, r.nextLong())) {
      TinyModels.perturbDecoder(model, r);
      float[][] plain = model.scoreAll(List.of(search, rec, cold));
      model.initTransitionPrior(train);
      float[] scales = {(float) r.nextGaussian(), 0.5f + r.nextFloat()};
      try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
        model.params.get(TransitionPrior.SCALE).copy_(org.gemsj.torch.Tensors.fromFloats(scales, 2));
      }
      float[][] scored = model.scoreAll(List.of(search, rec, cold));
      for (int t = 0; t < 2; t++) { // reference: log-softmax of (plain log-probabilities + scale * ln(1 + count))
        double[] logits = new double[n];
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int j = 0; j < n; j++) {
          logits[j] = plain[t][j] + scales[t] * Math.log1p(followers[j]);
          max = Math.max(max, logits[j]);
        }
        for (double l : logits) {
          sum += Math.exp(l - max);
        }
        for (int j = 0; j < n; j++) {
          assertEquals(logits[j] - max - Math.log(sum), scored[t][j], 1e-4, "task " + t + " item " + j);
        }
      }
      assertArrayEquals(plain[2], scored[2], 1e-5f);
      List<ScoredItem> top = model.topK(rec, 4, n);
      for (ScoredItem s : top) {
        assertEquals(scored[1][model.indexOf(s.id())], s.score(), 1e-4);
      }
      try (PointerScope scope = new PointerScope()) {
        var loss = model.loss(List.of(rec), 0);
        assertEquals(-scored[1][4], loss.item_double(), 1e-4);
        loss.backward();
        float[] grad = org.gemsj.torch.Tensors.toFloats(model.params.get(TransitionPrior.SCALE).grad());
        assertEquals(0f, grad[0]); // a rec example moves only the rec scale
        // the rec scale is learned: d loss / d scale = sum_j p_j c_j - c_target (c = ln(1 + count)), which is 0
        // only when the softmax sits on items with the target's count, so compare with it rather than with 0
        double expected = -Math.log1p(followers[4]);
        for (int j = 0; j < n; j++) {
          expected += Math.exp(scored[1][j]) * Math.log1p(followers[j]);
        }
        assertEquals(expected, grad[1], 1e-4 * Math.max(1, Math.abs(expected)), "the rec scale's gradient");
      }
      ModelStore.save(model, dir.resolve("model"));
      try (GenerativeModel loaded = ModelStore.load(dir.resolve("model"))) {
        float[][] again = loaded.scoreAll(List.of(search, rec, cold));
        for (int t = 0; t < 3; t++) {
          assertArrayEquals(scored[t], again[t], 1e-6f);
        }
      }
      Files.delete(dir.resolve("model").resolve(TransitionPrior.FILE));
      IOException e = assertThrows(IOException.class, () -> ModelStore.load(dir.resolve("model")));
      assertTrue(e.getMessage().contains(TransitionPrior.FILE), e.getMessage());
    }
    try (GenerativeModel semantic = ModelFactory.create(TinyModels.options(ItemIds.Scheme.SEMANTIC), items, r.nextLong())) {
      assertThrows(IllegalStateException.class, () -> semantic.initTransitionPrior(train));
    }
  }

  /** A model saved before item tokens has no "input" in config.json: it loads and reads titles, as it was trained. */
  @Test
  void modelsSavedBeforeItemTokensStillLoadAndReadTitles() throws IOException {
    Random r = new Random(System.nanoTime());
    List<Item> items = catalogue(8, r);
    ModelFactory.Options titles = new ModelFactory.Options(BundledBackbone.MINILM, ItemIds.Scheme.ATOMIC, 2, 4, 1, 0, 6, 128,
        32, 3, ModelInputs.Format.TITLES, false, false);
    try (GenerativeModel model = ModelFactory.create(titles, items, r.nextLong())) {
      TinyModels.perturbDecoder(model, r);
      Example e = new Example("u", Task.SEARCH, List.of("i3", "i5"), "warm tent", "i7", 0);
      float[] scores = model.scoreAll(List.of(e))[0];
      Path saved = dir.resolve("old");
      ModelStore.save(model, saved);
      var json = new com.fasterxml.jackson.databind.ObjectMapper();
      var config = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(saved.resolve("config.json").toFile());
      assertEquals("TITLES", config.remove("input").asText());
      json.writeValue(saved.resolve("config.json").toFile(), config);
      try (GenerativeModel loaded = ModelStore.load(saved)) {
        assertEquals(ModelInputs.Format.TITLES, loaded.config.input());
        assertArrayEquals(scores, loaded.scoreAll(List.of(e))[0], 1e-6f);
      }
    }
  }

  @Test
  void itemTokensNeedTheDecoderAsWideAsTheEncoder() {
    ModelFactory.Options narrow = new ModelFactory.Options(BundledBackbone.MINILM, ItemIds.Scheme.ATOMIC, 2, 4, 1, 128, 4, 128,
        32, 3, ModelInputs.Format.ITEMS, false, false);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ModelFactory.create(narrow, catalogue(4, new Random(1)), 1));
    assertTrue(e.getMessage().contains("--decoder-width"), e.getMessage());
  }

  private static double maxDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  @Test
  void loadingSomethingElseFailsClearly() throws IOException {
    Files.createDirectories(dir.resolve("empty"));
    IOException e = assertThrows(IOException.class, () -> ModelStore.load(dir.resolve("empty")));
    assertTrue(e.getMessage().contains("config.json"), e.getMessage());
  }

}
