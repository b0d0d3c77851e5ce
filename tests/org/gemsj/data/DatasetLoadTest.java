package org.gemsj.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetLoadTest {
  @TempDir Path dir;

  private static final String GOOD_ITEMS = """
      {"id":"a","title":"Alpha","text":"first","categories":["x","y"]}
      {"id":"b","title":"Beta","extra":1}
      """;

  private void files(String items, String events) throws IOException {
    if (items != null) {
      Files.writeString(dir.resolve("items.jsonl"), items);
    }
    if (events != null) {
      Files.writeString(dir.resolve("events.jsonl"), events);
    }
  }

  private DatasetException fails(String items, String events) throws IOException {
    files(items, events);
    return assertThrows(DatasetException.class, () -> Dataset.load(dir));
  }

  /** The single error's message (also checks there is exactly one). */
  private String onlyError(String items, String events) throws IOException {
    DatasetException e = fails(items, events);
    assertEquals(1, e.total(), e.getMessage());
    return e.errors().get(0);
  }

  @Test
  void loadsValidDataset() throws IOException {
    files(GOOD_ITEMS, """
        {"user":"u1","item":"b","ts":5,"task":"rec"}
        {"user":"u2","item":"a","ts":0,"task":"search","query":"alpha things","more":[1]}
        {"user":"u1","item":"a","ts":7,"task":"rec","query":null}

        """);
    Dataset d = Dataset.load(dir);
    assertEquals(List.of("a", "b"), d.items().stream().map(Item::id).toList());
    assertEquals(1, d.indexOf("b"));
    assertEquals(-1, d.indexOf("zz"));
    assertEquals(List.of("x", "y"), d.item("a").categories());
    assertEquals("", d.item("b").text());
    assertEquals(List.of("u1", "u2"), List.copyOf(d.users()));
    assertEquals(new Event("u2", "a", 0, Task.SEARCH, "alpha things"), d.events().get(1));
    assertEquals(3, d.events().size());
  }

  @Test
  void missingQueryForSearch() throws IOException {
    String e = onlyError(GOOD_ITEMS, """
        {"user":"u1","item":"a","ts":1,"task":"rec"}
        {"user":"u1","item":"a","ts":2,"task":"search"}
        """);
    assertEquals("events.jsonl:2: field 'query': required when task is \"search\"", e);
  }

  @Test
  void blankQueryAndQueryOnRec() throws IOException {
    DatasetException e = fails(GOOD_ITEMS, """
        {"user":"u1","item":"a","ts":1,"task":"search","query":"  "}
        {"user":"u1","item":"a","ts":2,"task":"rec","query":"x"}
        """);
    assertEquals(2, e.total());
    assertTrue(e.errors().get(0).startsWith("events.jsonl:1: field 'query': blank"), e.getMessage());
    assertTrue(e.errors().get(1).startsWith("events.jsonl:2: field 'query': must be absent"), e.getMessage());
  }

  /** Latin-1 bytes where UTF-8 is required: the file, line and byte offset, not "Input length = 1". */
  @Test
  void invalidUtf8IsNamedByFileLineAndOffset() throws IOException {
    files(GOOD_ITEMS, null);
    byte[] first = "{\"user\":\"u1\",\"item\":\"a\",\"ts\":1,\"task\":\"rec\"}\n".getBytes(StandardCharsets.UTF_8);
    byte[] second = "{\"user\":\"Jos\u00e9\",\"item\":\"a\",\"ts\":2,\"task\":\"rec\"}\n".getBytes(StandardCharsets.ISO_8859_1);
    byte[] all = new byte[first.length + second.length];
    System.arraycopy(first, 0, all, 0, first.length);
    System.arraycopy(second, 0, all, first.length, second.length);
    Files.write(dir.resolve("events.jsonl"), all);
    DatasetException e = assertThrows(DatasetException.class, () -> Dataset.load(dir));
    int offset = first.length + "{\"user\":\"Jos".length();
    assertEquals(1, e.total(), e.getMessage());
    assertTrue(e.errors().get(0).startsWith("events.jsonl:2: not valid UTF-8 at byte offset " + offset + " "),
        e.errors().get(0));
  }

  /** The digest is over the bytes parsed, the same as a digest of the two files. */
  @Test
  void digestCoversBothFilesAsRead() throws IOException {
    files(GOOD_ITEMS, "{\"user\":\"u1\",\"item\":\"b\",\"ts\":5,\"task\":\"rec\"}\n");
    assertEquals(org.gemsj.io.Digests.sha256(List.of(dir.resolve("items.jsonl"), dir.resolve("events.jsonl"))),
        Dataset.load(dir).digest());
  }

  @Test
  void malformedJson() throws IOException {
    String e = onlyError(GOOD_ITEMS, """
        {"user":"u1","item":"a","ts":1,"task":"rec"}
        {"user":"u1","item":"a",
        """);
    assertTrue(e.startsWith("events.jsonl:2: malformed JSON"), e);
  }

  @Test
  void trailingGarbageAndNonObject() throws IOException {
    DatasetException e = fails("""
        {"id":"a","title":"A"} x
        [1,2]
        {"id":"b","title":"B"}
        """, """
        {"user":"u1","item":"b","ts":1,"task":"rec"}
        """);
    assertEquals(2, e.total(), e.getMessage());
    assertTrue(e.errors().get(0).startsWith("items.jsonl:1: malformed JSON"), e.getMessage());
    assertEquals("items.jsonl:2: expected a JSON object", e.errors().get(1));
  }

  @Test
  void wrongTypes() throws IOException {
    DatasetException e = fails("""
        {"id":7,"title":"A"}
        {"id":"b","title":"B","text":3,"categories":"x"}
        {"id":"c","title":"C","categories":["ok",2]}
        """, """
        {"user":"u1","item":"b","ts":1,"task":"rec"}
        {"user":["u"],"item":"b","ts":1,"task":"rec"}
        """);
    List<String> errs = e.errors();
    assertEquals(5, e.total(), e.getMessage());
    assertTrue(errs.get(0).startsWith("items.jsonl:1: field 'id': expected a string, got number 7"), errs.get(0));
    assertTrue(errs.get(1).startsWith("items.jsonl:2: field 'text': expected a string"), errs.get(1));
    assertTrue(errs.get(2).startsWith("items.jsonl:2: field 'categories': expected an array"), errs.get(2));
    assertTrue(errs.get(3).startsWith("items.jsonl:3: field 'categories'"), errs.get(3));
    assertTrue(errs.get(4).startsWith("events.jsonl:2: field 'user': expected a string"), errs.get(4));
  }

  @Test
  void missingTitleAndUser() throws IOException {
    DatasetException e = fails("""
        {"id":"a"}
        {"id":"b","title":"B"}
        """, """
        {"item":"b","ts":1,"task":"rec"}
        """);
    assertEquals(List.of("items.jsonl:1: field 'title': missing", "events.jsonl:1: field 'user': missing"),
        e.errors());
  }

  @Test
  void unknownTask() throws IOException {
    String e = onlyError(GOOD_ITEMS, """
        {"user":"u1","item":"a","ts":1,"task":"browse"}
        """);
    assertTrue(e.startsWith("events.jsonl:1: field 'task': unknown task \"browse\""), e);
  }

  @Test
  void badTimestamps() throws IOException {
    DatasetException e = fails(GOOD_ITEMS, """
        {"user":"u1","item":"a","ts":1.5,"task":"rec"}
        {"user":"u1","item":"a","ts":"12","task":"rec"}
        {"user":"u1","item":"a","ts":-3,"task":"rec"}
        {"user":"u1","item":"a","task":"rec"}
        {"user":"u1","item":"a","ts":123456789012345678901234,"task":"rec"}
        """);
    assertEquals(5, e.total(), e.getMessage());
    assertTrue(e.errors().get(0).startsWith("events.jsonl:1: field 'ts': expected an integer"), e.getMessage());
    assertTrue(e.errors().get(1).startsWith("events.jsonl:2: field 'ts': expected an integer"), e.getMessage());
    assertEquals("events.jsonl:3: field 'ts': negative (-3)", e.errors().get(2));
    assertEquals("events.jsonl:4: field 'ts': missing", e.errors().get(3));
    assertTrue(e.errors().get(4).startsWith("events.jsonl:5: field 'ts'"), e.getMessage());
  }

  @Test
  void duplicateItemNamesFirstLine() throws IOException {
    String e = onlyError("""
        {"id":"a","title":"A"}
        {"id":"b","title":"B"}
        {"id":"a","title":"A again"}
        """, """
        {"user":"u1","item":"a","ts":1,"task":"rec"}
        """);
    assertEquals("items.jsonl:3: field 'id': duplicate id \"a\" (first on line 1)", e);
  }

  @Test
  void unknownItem() throws IOException {
    String e = onlyError(GOOD_ITEMS, """
        {"user":"u1","item":"a","ts":1,"task":"rec"}
        {"user":"u1","item":"zz","ts":1,"task":"rec"}
        """);
    assertTrue(e.startsWith("events.jsonl:2: field 'item': unknown item \"zz\""), e);
  }

  @Test
  void missingAndEmptyFiles() throws IOException {
    DatasetException e = fails(null, "\n\n");
    assertEquals(2, e.total(), e.getMessage());
    assertTrue(e.errors().get(0).startsWith("items.jsonl: missing file"), e.getMessage());
    assertEquals("events.jsonl: empty file (no records)", e.errors().get(1));
  }

  @Test
  void collectsAtMostTwentyAndCountsTheRest() throws IOException {
    StringBuilder events = new StringBuilder();
    for (int i = 0; i < 25; i++) {
      events.append("{\"user\":\"u\",\"item\":\"a\",\"ts\":-1,\"task\":\"rec\"}\n");
    }
    DatasetException e = fails(GOOD_ITEMS, events.toString());
    assertEquals(25, e.total());
    assertEquals(20, e.errors().size());
    assertEquals("events.jsonl:20: field 'ts': negative (-1)", e.errors().get(19));
    assertTrue(e.getMessage().endsWith("and 5 more"), e.getMessage());
  }

  @Test
  void writerRoundTrip() throws IOException {
    List<Item> items = List.of(new Item("a", "Alpha \"quoted\"", "tëxt\nline", List.of("x")),
        new Item("b", "Beta", "", List.of()));
    List<Event> events = List.of(new Event("u1", "b", 3, Task.REC, null),
        new Event("u1", "a", 1, Task.SEARCH, "alpha"));
    Path out = dir.resolve("out");
    DatasetWriter.write(out, items, events);
    Dataset d = Dataset.load(out);
    assertEquals(items, d.items());
    assertEquals(events, d.events());
    assertEquals("{\"user\":\"u1\",\"item\":\"b\",\"ts\":3,\"task\":\"rec\"}",
        Files.readAllLines(out.resolve("events.jsonl")).get(0));
    try (var listing = Files.list(out)) {
      assertEquals(2, listing.count(), "no temp files left behind");
    }
    // Overwrites in place.
    DatasetWriter.write(out, items.subList(1, 2), events.subList(0, 1));
    assertEquals(1, Dataset.load(out).items().size());
  }

  @Test
  void writerRefusesDataThatWouldNotLoad() {
    List<Item> items = List.of(new Item("a", "A", "", List.of()));
    assertThrows(IllegalArgumentException.class, () -> DatasetWriter.write(dir, items,
        List.of(new Event("u", "a", 1, Task.SEARCH, null))));
    assertThrows(IllegalArgumentException.class, () -> DatasetWriter.write(dir, items,
        List.of(new Event("u", "b", 1, Task.REC, null))));
  }
}
