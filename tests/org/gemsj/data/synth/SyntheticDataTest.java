package org.gemsj.data.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.gemsj.data.Dataset;
import org.gemsj.data.Event;
import org.gemsj.data.Item;
import org.gemsj.data.SplitData;
import org.gemsj.data.Splitter;
import org.gemsj.data.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticDataTest {
  @TempDir Path tmp;

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
  void defaultDatasetHasTheAdvertisedShape() throws IOException {
    Path dir = tmp.resolve("d");
    SyntheticData.generate(dir, 1, SyntheticData.Options.DEFAULTS);
    Dataset d = Dataset.load(dir);
    assertEquals(360, d.items().size());
    assertEquals(300, d.users().size());
    Item first = d.items().get(0);
    assertTrue(first.title().matches("\\w+ [\\w-]+ tent, \\w+, by Alpina"), first.title());
    assertEquals(List.of("outdoor", "camping"), first.categories());
    Map<String, int[]> perUser = new HashMap<>();
    Map<String, Long> lastTs = new HashMap<>();
    int search = 0;
    for (Event e : d.events()) {
      int[] c = perUser.computeIfAbsent(e.user(), k -> new int[2]);
      c[e.task().ordinal()]++;
      search += e.task() == Task.SEARCH ? 1 : 0;
      assertTrue(e.ts() > lastTs.getOrDefault(e.user(), 0L), "timestamps increase per user");
      lastTs.put(e.user(), e.ts());
      if (e.task() == Task.SEARCH) {
        // The query names the target's product type, and its other words describe the target.
        Item target = d.item(e.item());
        String doc = target.document().toLowerCase();
        for (String w : e.query().split(" ")) {
          assertTrue(doc.contains(w), e.query() + " vs " + doc);
        }
      }
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
  void recFollowsChainsAndBrands() throws IOException {
    Path dir = tmp.resolve("d");
    SyntheticData.generate(dir, 5, SyntheticData.Options.DEFAULTS);
    Dataset d = Dataset.load(dir);
    // A rec event after a tent (same user, previous event) is mostly a sleeping bag of the same brand.
    int afterTent = 0;
    int sleepingBagSameBrand = 0;
    Event prev = null;
    for (Event e : d.events()) {
      if (prev != null && prev.user().equals(e.user()) && e.task() == Task.REC
          && d.item(prev.item()).title().contains(" tent,")) {
        afterTent++;
        String brand = d.item(prev.item()).title().replaceAll(".* by ", "");
        String t = d.item(e.item()).title();
        if (t.contains(" sleeping bag,") && t.endsWith("by " + brand)) {
          sleepingBagSameBrand++;
        }
      }
      prev = e;
    }
    assertTrue(afterTent >= 10, "afterTent=" + afterTent);
    assertTrue(sleepingBagSameBrand >= 0.75 * afterTent, sleepingBagSameBrand + "/" + afterTent);
  }

  @Test
  void optionsAreChecked() {
    assertThrows(IllegalArgumentException.class, () -> new SyntheticData.Options(10, 300, 14));
    assertThrows(IllegalArgumentException.class, () -> new SyntheticData.Options(360, 0, 14));
    assertThrows(IllegalArgumentException.class, () -> new SyntheticData.Options(360, 300, 5));
  }

  @Test
  void smallCatalogueStillValid() throws IOException {
    Path dir = tmp.resolve("s");
    SyntheticData.generate(dir, 3, new SyntheticData.Options(70, 20, 8));
    Dataset d = Dataset.load(dir);
    assertEquals(70, d.items().size());
    assertEquals(20, d.users().size());
  }
}
