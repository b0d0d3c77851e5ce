package org.gemsj.data.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.gemsj.data.Dataset;
import org.gemsj.data.DatasetException;
import org.gemsj.data.Event;
import org.gemsj.data.Item;
import org.gemsj.data.SplitData;
import org.gemsj.data.Splitter;
import org.gemsj.data.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AmazonConverterTest {
  @TempDir Path src;
  @TempDir Path out;

  private static final String META_2023 = """
      {"parent_asin":"P1","title":"Trail Shoe","categories":["Clothing, Shoes & Jewelry","Men","Shoes","Athletic","Running"],"description":["Light.","Fast."]}
      {"parent_asin":"P2","title":"Mug","categories":[],"description":[]}
      {"parent_asin":"P3","title":"","categories":["Home"]}
      {"parent_asin":"P4","title":"Unreviewed","categories":["Home"]}
      """;

  @Test
  void format2023FromDirectory() throws IOException {
    Files.writeString(src.resolve("meta_Sports.jsonl"), META_2023);
    Files.writeString(src.resolve("Sports.jsonl"), """
        {"user_id":"U1","parent_asin":"P1","asin":"X","timestamp":1600000000123,"rating":5.0}
        {"user_id":"U1","parent_asin":"P2","timestamp":1600000100000,"rating":4}
        {"user_id":"U1","parent_asin":"P2","timestamp":1600000200000,"rating":4}
        {"user_id":"U1","parent_asin":"P1","timestamp":1600000300000,"rating":3}
        {"user_id":"U2","parent_asin":"P3","timestamp":1600000200000,"rating":5}
        {"user_id":"U2","parent_asin":"P1","timestamp":1600000300000,"rating":1}
        """);
    AmazonConverter.convert(src, out, new AmazonConverter.Options(0, 1.0, 2.0, null, null));
    Dataset d = Dataset.load(out);
    // P3 has no title, P4 no review: the catalogue is P1, P2.
    assertEquals(List.of(new Item("P1", "Trail Shoe", "Light. Fast.",
            List.of("Clothing, Shoes & Jewelry", "Men", "Shoes", "Athletic", "Running")),
        new Item("P2", "Mug", "", List.of())), d.items());
    assertEquals(List.of(
        new Event("U1", "P1", 1600000000, Task.SEARCH, "shoes athletic running"),
        new Event("U1", "P2", 1600000100, Task.REC, null),
        new Event("U1", "P2", 1600000200, Task.REC, null),
        new Event("U1", "P1", 1600000300, Task.SEARCH, "shoes athletic running")), d.events());
    SplitData s = Splitter.split(d, 20);
    // U1 has 2 search and 2 rec events: fewer than 3 of each task, so no examples at all.
    assertEquals(0, s.train().size() + s.valid().size() + s.test().size());
  }

  @Test
  void format2018WithExplicitGzipFiles() throws IOException {
    Path meta = src.resolve("m.json.gz");
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(meta))) {
      o.write("""
          {"asin":"A1","title":"Pan","category":["Home & Kitchen","Kitchen & Dining","Cookware","Pans"],"description":"Nonstick  pan."}
          {"asin":"A2","title":"Lid","category":["Home & Kitchen","</span>"]}
          """.getBytes(StandardCharsets.UTF_8));
    }
    Path reviews = src.resolve("r.json");
    Files.writeString(reviews, """
        {"reviewerID":"R1","asin":"A1","unixReviewTime":1400000000,"overall":4.0}
        {"reviewerID":"R1","asin":"A2","unixReviewTime":1400000500,"overall":4.0}
        """);
    AmazonConverter.convert(src, out, new AmazonConverter.Options(0, 1.0, 0, reviews, meta));
    Dataset d = Dataset.load(out);
    assertEquals("Nonstick pan.", d.item("A1").text());
    assertEquals(List.of("Home & Kitchen"), d.item("A2").categories());
    assertEquals(new Event("R1", "A1", 1400000000, Task.SEARCH, "kitchen dining cookware pans"), d.events().get(0));
    assertEquals(new Event("R1", "A2", 1400000500, Task.SEARCH, "home kitchen"), d.events().get(1));
  }

  @Test
  void malformedLinesAndMissingFieldsAreReported() throws IOException {
    Files.writeString(src.resolve("meta.jsonl"), META_2023);
    Files.writeString(src.resolve("reviews.jsonl"), """
        {"user_id":"U1","parent_asin":"P1","timestamp":1600000000123,"rating":5.0}
        {"user_id":"U1",
        {"user_id":"U1","parent_asin":"P1","rating":5.0}
        """);
    DatasetException e = assertThrows(DatasetException.class,
        () -> AmazonConverter.convert(src, out, AmazonConverter.Options.DEFAULTS));
    assertEquals(2, e.total(), e.getMessage());
    assertTrue(e.errors().get(0).startsWith("reviews.jsonl:2: malformed JSON"), e.getMessage());
    assertTrue(e.errors().get(1).startsWith("reviews.jsonl:3: field 'timestamp'"), e.getMessage());
  }

  @Test
  void missingMetadataFile() throws IOException {
    Files.writeString(src.resolve("reviews.jsonl"), "{}\n");
    DatasetException e = assertThrows(DatasetException.class,
        () -> AmazonConverter.convert(src, out, AmazonConverter.Options.DEFAULTS));
    assertTrue(e.errors().get(0).contains("missing metadata file"), e.getMessage());
  }
}
