package org.gemsj.data.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.gemsj.data.Dataset;
import org.gemsj.data.Event;
import org.gemsj.data.Example;
import org.gemsj.data.Item;
import org.gemsj.data.SplitData;
import org.gemsj.data.Splitter;
import org.gemsj.data.Task;
import org.gemsj.eval.Bm25Scorer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticDataTest {
  @TempDir static Path shared;
  @TempDir Path tmp;
  static Dataset demo; // seed 7, default options: the demo's dataset

  /** What a title says: "Brand Series type, tier, colour"; the domain is the first category. */
  record Facts(String brand, String series, String type, String tier, String colour, String domain) {
    static Facts of(Item item) {
      String[] parts = item.title().split(", ");
      String[] words = parts[0].split(" ", 3);
      return new Facts(words[0], words[1], words[2], parts[1], parts[2], item.categories().get(0));
    }
  }

  @BeforeAll
  static void generateDemo() throws IOException {
    SyntheticData.generate(shared.resolve("demo"), 7, SyntheticData.Options.DEFAULTS);
    demo = Dataset.load(shared.resolve("demo"));
  }

  private static byte[] bytes(Path dir) throws IOException {
    byte[] a = Files.readAllBytes(dir.resolve("items.jsonl"));
    byte[] b = Files.readAllBytes(dir.resolve("events.jsonl"));
    byte[] all = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  @Test
  void sameSeedSameBytesOtherSeedDiffers() throws IOException {
    SyntheticData.generate(tmp.resolve("a"), 42, SyntheticData.Options.DEFAULTS);
    SyntheticData.generate(tmp.resolve("b"), 42, SyntheticData.Options.DEFAULTS);
    SyntheticData.generate(tmp.resolve("c"), 43, SyntheticData.Options.DEFAULTS);
    assertArrayEquals(bytes(tmp.resolve("a")), bytes(tmp.resolve("b")));
    assertFalse(Arrays.equals(bytes(tmp.resolve("a")), bytes(tmp.resolve("c"))));
  }

  @Test
  void defaultDatasetHasTheAdvertisedShape() {
    Dataset d = demo;
    assertEquals(360, d.items().size());
    assertEquals(300, d.users().size());
    Item first = d.items().get(0);
    assertTrue(first.title().matches("Alpina \\w+ tent, budget, \\w+"), first.title());
    assertEquals(List.of("outdoor", "camping"), first.categories());
    assertTrue(first.text().contains("budget price tier"), first.text());
    // every (brand, tier) pair once per product type: 24 types x 15 variants
    Map<String, Set<String>> pairs = new HashMap<>();
    for (Item item : d.items()) {
      Facts f = Facts.of(item);
      assertTrue(SyntheticCatalog.TIERS.contains(f.tier()) && SyntheticCatalog.COLOURS.contains(f.colour()),
          item.title());
      pairs.computeIfAbsent(f.type(), k -> new HashSet<>()).add(f.brand() + "/" + f.tier());
    }
    assertEquals(24, pairs.size());
    pairs.values().forEach(p -> assertEquals(15, p.size()));
    Map<String, int[]> perUser = new HashMap<>();
    Map<String, Long> lastTs = new HashMap<>();
    int search = 0;
    for (Event e : d.events()) {
      int[] c = perUser.computeIfAbsent(e.user(), k -> new int[2]);
      c[e.task().ordinal()]++;
      search += e.task() == Task.SEARCH ? 1 : 0;
      assertTrue(e.ts() > lastTs.getOrDefault(e.user(), 0L), "timestamps increase per user");
      lastTs.put(e.user(), e.ts());
    }
    for (int[] c : perUser.values()) {
      assertTrue(c[0] >= 3 && c[1] >= 3, Arrays.toString(c));
      assertTrue(c[0] + c[1] >= 12 && c[0] + c[1] <= 16);
    }
    double share = search / (double) d.events().size();
    assertEquals(0.4, share, 0.03);
    SplitData s = Splitter.split(d, 20);
    assertEquals(600, s.test().size()); // one per user and task
    assertEquals(600, s.valid().size());
  }

  @Test
  void queriesNameWhatManyItemsShareNeverWhatSinglesOutTheTarget() throws IOException {
    Dataset d = demo;
    try (Bm25Scorer bm25 = new Bm25Scorer(d.items())) {
      List<Set<String>> docTerms = new ArrayList<>();
      for (Item item : d.items()) {
        docTerms.add(new HashSet<>(bm25.analyze(item.document())));
      }
      int queries = 0;
      for (Event e : d.events()) {
        if (e.task() != Task.SEARCH) {
          continue;
        }
        queries++;
        Item target = d.item(e.item());
        Facts f = Facts.of(target);
        // the product type, maybe after one feature of the target: nothing else
        String[] text = target.text().split(" "); // "Feature and feature type in ..."
        Set<String> features = Set.of(text[0].toLowerCase(), text[2]);
        String q = e.query();
        assertTrue(q.equals(f.type())
            || q.endsWith(" " + f.type()) && features.contains(q.substring(0, q.length() - f.type().length() - 1)),
            q + " vs " + target.document());
        Set<String> words = Set.of(e.query().split(" "));
        for (String w : List.of(f.brand(), f.series(), f.tier(), f.colour())) {
          assertFalse(words.contains(w.toLowerCase()), e.query() + " names '" + w + "' of " + target.title());
        }
        // at least 10 items contain every query term, and BM25 scores at least 10 as high as the target
        List<String> terms = bm25.analyze(e.query());
        long matching = docTerms.stream().filter(t -> t.containsAll(terms)).count();
        assertTrue(docTerms.get(d.indexOf(e.item())).containsAll(terms), e.query() + " vs " + target.document());
        assertTrue(matching >= 10, e.query() + ": " + matching + " matching items");
        float[] scores = bm25.scoreQuery(e.query());
        float t = scores[d.indexOf(e.item())];
        long asHigh = 0;
        for (float s : scores) {
          asHigh += s >= t ? 1 : 0;
        }
        assertTrue(asHigh >= 10, e.query() + ": BM25 ranks the target among " + asHigh);
      }
      assertTrue(queries > 1500, "queries=" + queries);
    }
  }

  /**
   * The history predicts the pick: the search target has the brand the user's earlier items of the
   * same domain have most often (and the tier of their earlier items), far more often than a
   * random item matching the query would.
   */
  @Test
  void historyDecidesWhichMatchingItemSearchPicks() throws IOException {
    Dataset d = demo;
    SplitData s = Splitter.split(d, 20);
    int withDomain = 0, brandHits = 0, tierHits = 0, examples = 0;
    double brandChance = 0, tierChance = 0;
    try (Bm25Scorer bm25 = new Bm25Scorer(d.items())) {
      List<Set<String>> docTerms = new ArrayList<>();
      for (Item item : d.items()) {
        docTerms.add(new HashSet<>(bm25.analyze(item.document())));
      }
      for (Example e : all(s)) {
        if (e.task() != Task.SEARCH || e.history().isEmpty()) {
          continue;
        }
        Facts target = Facts.of(d.item(e.target()));
        Map<String, Integer> brands = new HashMap<>(), tiers = new HashMap<>();
        for (String h : e.history()) {
          Facts f = Facts.of(d.item(h));
          tiers.merge(f.tier(), 1, Integer::sum);
          if (f.domain().equals(target.domain())) {
            brands.merge(f.brand(), 1, Integer::sum);
          }
        }
        List<String> terms = bm25.analyze(e.query());
        List<Facts> matching = new ArrayList<>();
        for (int i = 0; i < docTerms.size(); i++) {
          if (docTerms.get(i).containsAll(terms)) {
            matching.add(Facts.of(d.items().get(i)));
          }
        }
        examples++;
        String tier = mode(tiers);
        tierHits += target.tier().equals(tier) ? 1 : 0;
        tierChance += matching.stream().filter(f -> f.tier().equals(tier)).count() / (double) matching.size();
        if (!brands.isEmpty()) {
          withDomain++;
          String brand = mode(brands);
          brandHits += target.brand().equals(brand) ? 1 : 0;
          brandChance += matching.stream().filter(f -> f.brand().equals(brand)).count() / (double) matching.size();
        }
      }
    }
    assertTrue(withDomain > 1000, "withDomain=" + withDomain);
    double brandRate = brandHits / (double) withDomain, brandBase = brandChance / withDomain;
    double tierRate = tierHits / (double) examples, tierBase = tierChance / examples;
    // measured on seed 7: brand 0.90 against 0.20, tier 0.78 against 0.34
    assertTrue(brandRate >= 0.8 && brandRate >= 3 * brandBase, "brand " + brandRate + " vs chance " + brandBase);
    assertTrue(tierRate >= 0.65 && tierRate >= 1.8 * tierBase, "tier " + tierRate + " vs chance " + tierBase);
  }

  @Test
  void recFollowsChainsInTheUsersBrandAndTier() {
    Dataset d = demo;
    // A rec event right after a tent (same user) is a sleeping bag: the chain's next type.
    int afterTent = 0, sleepingBag = 0;
    Event prev = null;
    for (Event e : d.events()) {
      if (prev != null && prev.user().equals(e.user()) && e.task() == Task.REC
          && Facts.of(d.item(prev.item())).type().equals("tent")) {
        afterTent++;
        sleepingBag += Facts.of(d.item(e.item())).type().equals("sleeping bag") ? 1 : 0;
      }
      prev = e;
    }
    assertTrue(afterTent >= 30, "afterTent=" + afterTent);
    assertEquals(afterTent, sleepingBag);
    // Brand loyalty and tier consistency, read from the history (measured on seed 7: 0.86, 0.86).
    int withDomain = 0, brandHits = 0, tierHits = 0, examples = 0;
    for (Example e : all(Splitter.split(d, 20))) {
      if (e.task() != Task.REC) {
        continue;
      }
      Facts target = Facts.of(d.item(e.target()));
      Map<String, Integer> brands = new HashMap<>(), tiers = new HashMap<>();
      for (String h : e.history()) {
        Facts f = Facts.of(d.item(h));
        tiers.merge(f.tier(), 1, Integer::sum);
        if (f.domain().equals(target.domain())) {
          brands.merge(f.brand(), 1, Integer::sum);
        }
      }
      examples++;
      tierHits += target.tier().equals(mode(tiers)) ? 1 : 0;
      if (!brands.isEmpty()) {
        withDomain++;
        brandHits += target.brand().equals(mode(brands)) ? 1 : 0;
      }
    }
    assertTrue(brandHits >= 0.75 * withDomain, brandHits + "/" + withDomain);
    assertTrue(tierHits >= 0.75 * examples, tierHits + "/" + examples);
  }

  @Test
  void optionsAreChecked() {
    assertThrows(IllegalArgumentException.class, () -> new SyntheticData.Options(10, 300, 14));
    assertThrows(IllegalArgumentException.class, () -> new SyntheticData.Options(23, 300, 14));
    assertThrows(IllegalArgumentException.class, () -> new SyntheticData.Options(360, 0, 14));
    assertThrows(IllegalArgumentException.class, () -> new SyntheticData.Options(360, 300, 7));
    assertDoesNotThrow(() -> new SyntheticData.Options(24, 1, 8));
  }

  @Test
  void smallCataloguesStillValid() throws IOException {
    for (int items : new int[] {24, 60, 100}) {
      Path dir = tmp.resolve("s" + items);
      SyntheticData.generate(dir, 3, new SyntheticData.Options(items, 20, 8));
      Dataset d = Dataset.load(dir);
      assertEquals(items, d.items().size());
      assertEquals(20, d.users().size());
    }
  }

  private static List<Example> all(SplitData s) {
    List<Example> out = new ArrayList<>(s.train());
    out.addAll(s.valid());
    out.addAll(s.test());
    return out;
  }

  /** The most frequent key; ties go to the alphabetically last (any fixed rule would do). */
  private static String mode(Map<String, Integer> counts) {
    return counts.entrySet().stream()
        .max(Map.Entry.<String, Integer>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
        .orElseThrow().getKey();
  }
}
