package org.gemsj.data.convert;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.gemsj.data.DatasetException;
import org.gemsj.data.DatasetWriter;
import org.gemsj.data.Event;
import org.gemsj.data.Item;
import org.gemsj.data.Problems;
import org.gemsj.data.Task;

/**
 * Amazon Reviews (2018 or 2023 JSON-lines releases; .gz read directly) to the dataset format.
 * Items are products whose metadata has a title and that have at least one kept review. Reviews
 * with rating >= minRating are interactions; a seeded {@code searchShare} of them (products with
 * categories only) become search events whose query is the deepest 1-3 categories; the rest rec.
 * Reviews of products without usable metadata are skipped; malformed lines are errors. See
 * docs/DATA.md for the fields read.
 */
public final class AmazonConverter {
  /** Queries use the deepest this-many categories of the product's path. */
  static final int QUERY_DEPTH = 3;
  /** Descriptions are cut here: the encoder reads a few hundred tokens at most. */
  static final int MAX_TEXT = 1000;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** {@code reviews}/{@code meta}: explicit files; null to find them in the source directory. */
  public record Options(long seed, double searchShare, double minRating, Path reviews, Path meta) {
    public static final Options DEFAULTS = new Options(0, 0.25, 0, null, null);

    public Options {
      if (!(searchShare >= 0 && searchShare <= 1)) {
        throw new IllegalArgumentException("searchShare must be in [0, 1], got " + searchShare);
      }
    }
  }

  private AmazonConverter() {}

  public static void convert(Path src, Path outDir, Options o) throws IOException {
    Path reviews = o.reviews();
    Path meta = o.meta();
    if (reviews == null || meta == null) {
      Path[] found = findFiles(src);
      reviews = reviews == null ? found[0] : reviews;
      meta = meta == null ? found[1] : meta;
    }
    Problems problems = new Problems();
    Map<String, Item> products = readMeta(meta, problems);
    problems.throwIfAny("amazon metadata " + meta);
    EventSink sink = new EventSink();
    readJsonLines(reviews, problems, (n, file, line) -> {
      String user = firstString(n, file, line, problems, "user_id", "reviewerID");
      String item = firstString(n, file, line, problems, "parent_asin", "asin");
      Long ts = timestamp(n, file, line, problems);
      JsonNode r = n.has("rating") ? n.get("rating") : n.get("overall");
      Double rating = null;
      if (r == null || !r.isNumber()) {
        problems.add(file, line, "field 'rating' (2023) or 'overall' (2018): "
            + (r == null ? "missing" : "expected a number, got " + r));
      } else {
        rating = r.doubleValue();
      }
      if (user == null || item == null || ts == null || rating == null || rating < o.minRating()) {
        return;
      }
      Item product = products.get(item);
      if (product == null) {
        return; // no metadata or no title: not in the catalogue
      }
      if (!product.categories().isEmpty() && SearchShare.picked(o.seed(), user, item, o.searchShare())) {
        sink.add(new Event(user, item, ts, Task.SEARCH, CategoryQuery.deepest(product.categories(), QUERY_DEPTH)));
      } else {
        sink.add(new Event(user, item, ts, Task.REC, null));
      }
    });
    problems.throwIfAny("amazon reviews " + reviews);
    Set<String> used = new HashSet<>();
    for (Event e : sink.events()) {
      used.add(e.item());
    }
    List<Item> items = new ArrayList<>();
    for (Item it : products.values()) {
      if (used.contains(it.id())) {
        items.add(it);
      }
    }
    DatasetWriter.write(outDir, items, sink.events());
  }

  /**
   * In a source directory: the metadata file is the one .json/.jsonl(.gz) file whose name starts with
   * "meta", the reviews file the one other such file. Returns {reviews, meta}.
   */
  static Path[] findFiles(Path src) throws IOException {
    List<String> problems = new ArrayList<>();
    Path reviews = null;
    Path meta = null;
    if (!Files.isDirectory(src)) {
      throw new DatasetException("amazon", List.of(src + ": not a directory (or give --reviews and --meta)"), 1);
    }
    try (Stream<Path> files = Files.list(src)) {
      for (Path p : files.sorted().toList()) {
        String name = p.getFileName().toString();
        if (!name.matches(".*\\.jsonl?(\\.gz)?")) {
          continue;
        }
        if (name.startsWith("meta")) {
          if (meta != null) {
            problems.add(src + ": two metadata files (" + meta.getFileName() + ", " + name + "); give --meta");
          }
          meta = p;
        } else {
          if (reviews != null) {
            problems.add(src + ": two review files (" + reviews.getFileName() + ", " + name + "); give --reviews");
          }
          reviews = p;
        }
      }
    }
    if (meta == null) {
      problems.add(src + ": missing metadata file (meta*.json, meta*.jsonl, optionally .gz)");
    }
    if (reviews == null) {
      problems.add(src + ": missing reviews file (a .json or .jsonl file not named meta*)");
    }
    if (!problems.isEmpty()) {
      throw new DatasetException("amazon", problems, problems.size());
    }
    return new Path[] {reviews, meta};
  }

  private static Map<String, Item> readMeta(Path meta, Problems problems) throws IOException {
    Map<String, Item> products = new LinkedHashMap<>();
    readJsonLines(meta, problems, (n, file, line) -> {
      String id = firstString(n, file, line, problems, "parent_asin", "asin");
      JsonNode t = n.get("title");
      if (id == null || t == null || !t.isTextual() || t.textValue().isBlank() || products.containsKey(id)) {
        return; // untitled products are not catalogue items; the 2018 files repeat some products
      }
      products.put(id, new Item(id, t.textValue().trim(), description(n.get("description")), categories(n)));
    });
    return products;
  }

  /** 2023 "categories": [str]; 2014 "categories": [[str]] (first path); 2018 "category": [str]. */
  static List<String> categories(JsonNode n) {
    JsonNode c = n.get("categories");
    if (c != null && c.isArray() && c.size() > 0 && c.get(0).isArray()) {
      c = c.get(0);
    }
    if (c == null || !c.isArray() || c.isEmpty()) {
      c = n.get("category");
    }
    List<String> out = new ArrayList<>();
    if (c != null && c.isArray()) {
      for (JsonNode x : c) {
        String s = x.isTextual() ? x.textValue().trim() : "";
        // The 2018 files carry scraped HTML fragments in some category lists.
        if (!s.isEmpty() && s.length() <= 60 && s.indexOf('<') < 0 && s.indexOf('>') < 0) {
          out.add(s);
        }
      }
    }
    return out;
  }

  private static String description(JsonNode d) {
    String s = "";
    if (d != null && d.isTextual()) {
      s = d.textValue();
    } else if (d != null && d.isArray()) {
      List<String> parts = new ArrayList<>();
      for (JsonNode x : d) {
        if (x.isTextual() && !x.textValue().isBlank()) {
          parts.add(x.textValue().trim());
        }
      }
      s = String.join(" ", parts);
    }
    s = s.replaceAll("\\s+", " ").trim();
    return s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT);
  }

  /** 2023 "timestamp" is in milliseconds, 2018 "unixReviewTime" in seconds; returns seconds. */
  private static Long timestamp(JsonNode n, String file, long line, Problems problems) {
    JsonNode ms = n.get("timestamp");
    JsonNode s = n.get("unixReviewTime");
    JsonNode v = ms != null ? ms : s;
    if (v == null || !v.canConvertToLong() || !v.isIntegralNumber()) {
      problems.add(file, line, "field 'timestamp' (2023, ms) or 'unixReviewTime' (2018, s): "
          + (v == null ? "missing" : "expected an integer, got " + v));
      return null;
    }
    long ts = ms != null ? Math.floorDiv(v.longValue(), 1000) : v.longValue();
    if (ts < 0) {
      problems.add(file, line, "field '" + (ms != null ? "timestamp" : "unixReviewTime") + "': negative");
      return null;
    }
    return ts;
  }

  /** The first of {@code names} present as a non-blank string (numbers are accepted as text). */
  private static String firstString(JsonNode n, String file, long line, Problems problems, String... names) {
    for (String name : names) {
      JsonNode v = n.get(name);
      if (v != null && (v.isTextual() || v.isIntegralNumber()) && !v.asText().isBlank()) {
        return v.asText().trim();
      }
    }
    problems.add(file, line, "field '" + String.join("' or '", names) + "': missing");
    return null;
  }

  private interface LineHandler {
    void accept(JsonNode node, String file, long line);
  }

  private static void readJsonLines(Path path, Problems problems, LineHandler h) throws IOException {
    String file = path.getFileName().toString();
    if (!Files.isRegularFile(path)) {
      problems.add(file, 0, "missing file (" + path + ")");
      return;
    }
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(CsvTable.open(path), StandardCharsets.UTF_8))) {
      String text;
      long line = 0;
      while ((text = in.readLine()) != null) {
        line++;
        if (text.isBlank()) {
          continue;
        }
        JsonNode n;
        try {
          n = JSON.readTree(text);
        } catch (JsonProcessingException e) {
          problems.add(file, line, "malformed JSON: " + e.getOriginalMessage());
          continue;
        }
        if (n == null || !n.isObject()) {
          problems.add(file, line, "expected a JSON object");
          continue;
        }
        h.accept(n, file, line);
      }
    }
  }
}
