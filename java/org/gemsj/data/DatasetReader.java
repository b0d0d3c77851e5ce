package org.gemsj.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.gemsj.io.FileConfinement;
import org.gemsj.io.Utf8Lines;

/** Streams and validates a dataset directory line by line, collecting every error. */
final class DatasetReader {
  // One record per line: "{...} junk" is an error, not a record followed by ignored text.
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  private final Path dir;
  private final Problems problems = new Problems();
  private final List<Item> items = new ArrayList<>();
  /** Item id -> line of its first occurrence, for the duplicate message. */
  private final Map<String, Long> itemLines = new HashMap<>();
  private final List<Event> events = new ArrayList<>();

  private final FileConfinement confinement;
  /** SHA-256 over both files' bytes as read, in order (the checkpoint's data digest). */
  private final MessageDigest digest;

  DatasetReader(Path dir, FileConfinement confinement) {
    this.dir = dir;
    this.confinement = confinement;
    try {
      this.digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }

  Dataset read() throws IOException {
    if (!Files.isDirectory(dir)) {
      problems.add(dir.toString(), 0, "not a directory");
    } else {
      readLines(Dataset.ITEMS, this::item);
      // Events are checked even when items had errors: item references use the ids that parsed.
      readLines(Dataset.EVENTS, this::event);
    }
    problems.throwIfAny("invalid dataset " + dir);
    return new Dataset(items, events, HexFormat.of().formatHex(digest.digest()));
  }

  /** The next line, or null at the end or at a line that is not UTF-8 (recorded; the rest of the file is skipped). */
  private String nextLine(Utf8Lines in, String file) throws IOException {
    try {
      return in.next();
    } catch (Utf8Lines.MalformedLine e) {
      problems.add(file, e.line, "not valid UTF-8 at byte offset " + e.byteOffset + " of the file (the file must be "
          + "UTF-8; the rest of it was not read)");
      return null;
    }
  }

  private interface LineHandler {
    void accept(JsonNode node, long line);
  }

  private void readLines(String file, LineHandler handler) throws IOException {
    Path path = dir.resolve(file);
    if (!Files.isRegularFile(path)) {
      problems.add(file, 0, "missing file (" + path + ")");
      return;
    }
    long records = 0;
    try (Utf8Lines in = new Utf8Lines(new DigestInputStream(confinement.open(path), digest))) {
      String text;
      long line = 0;
      while ((text = nextLine(in, file)) != null) {
        line = in.lineNumber();
        if (text.isBlank()) {
          continue; // blank lines (a trailing one, say) carry no record
        }
        records++;
        JsonNode node;
        try {
          node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
          problems.add(file, line, "malformed JSON: " + e.getOriginalMessage());
          continue;
        }
        if (node == null || !node.isObject()) {
          problems.add(file, line, "expected a JSON object");
          continue;
        }
        handler.accept(node, line);
      }
    }
    if (records == 0) {
      problems.add(file, 0, "empty file (no records)");
    }
  }

  private void item(JsonNode n, long line) {
    String file = Dataset.ITEMS;
    String id = requiredString(n, "id", file, line);
    String title = requiredString(n, "title", file, line);
    String text = optionalString(n, "text", file, line);
    List<String> categories = new ArrayList<>();
    JsonNode cats = n.get("categories");
    if (cats != null && !cats.isNull()) {
      if (!cats.isArray()) {
        problems.field(file, line, "categories", "expected an array of strings, got " + kind(cats));
      } else {
        for (JsonNode c : cats) {
          if (!c.isTextual()) {
            problems.field(file, line, "categories", "expected an array of strings, has " + kind(c));
            break;
          }
          categories.add(c.textValue());
        }
      }
    }
    if (id == null) {
      return;
    }
    Long first = itemLines.putIfAbsent(id, line);
    if (first != null) {
      problems.field(file, line, "id", "duplicate id \"" + id + "\" (first on line " + first + ")");
      return;
    }
    if (title != null) {
      items.add(new Item(id, title, text, categories));
    }
  }

  private void event(JsonNode n, long line) {
    String file = Dataset.EVENTS;
    String user = requiredString(n, "user", file, line);
    String item = requiredString(n, "item", file, line);
    if (item != null && !itemLines.containsKey(item)) {
      problems.field(file, line, "item", "unknown item \"" + item + "\" (not in " + Dataset.ITEMS + ")");
      item = null;
    }
    Long ts = null;
    JsonNode t = n.get("ts");
    if (t == null || t.isNull()) {
      problems.field(file, line, "ts", "missing");
    } else if (!t.isIntegralNumber() || !t.canConvertToLong()) {
      problems.field(file, line, "ts", "expected an integer (epoch seconds), got " + kind(t));
    } else if (t.longValue() < 0) {
      problems.field(file, line, "ts", "negative (" + t.longValue() + ")");
    } else {
      ts = t.longValue();
    }
    Task task = null;
    String taskName = requiredString(n, "task", file, line);
    if (taskName != null) {
      task = Task.fromWire(taskName);
      if (task == null) {
        problems.field(file, line, "task", "unknown task \"" + taskName + "\" (expected \"search\" or \"rec\")");
      }
    }
    String query = null;
    boolean queryOk = true;
    JsonNode q = n.get("query");
    if (task == Task.SEARCH) {
      if (q == null || q.isNull()) {
        problems.field(file, line, "query", "required when task is \"search\"");
        queryOk = false;
      } else if (!q.isTextual()) {
        problems.field(file, line, "query", "expected a string, got " + kind(q));
        queryOk = false;
      } else if (q.textValue().isBlank()) {
        problems.field(file, line, "query", "blank (required when task is \"search\")");
        queryOk = false;
      } else {
        query = q.textValue();
      }
    } else if (task == Task.REC && q != null && !q.isNull()) {
      problems.field(file, line, "query", "must be absent or null when task is \"rec\"");
      queryOk = false;
    }
    if (user != null && item != null && ts != null && task != null && queryOk) {
      events.add(new Event(user, item, ts, task, query));
    }
  }

  /** A non-blank string field, or null after recording why not. */
  private String requiredString(JsonNode n, String field, String file, long line) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      problems.field(file, line, field, "missing");
      return null;
    }
    if (!v.isTextual()) {
      problems.field(file, line, field, "expected a string, got " + kind(v));
      return null;
    }
    if (v.textValue().isBlank()) {
      problems.field(file, line, field, "blank");
      return null;
    }
    return v.textValue();
  }

  private String optionalString(JsonNode n, String field, String file, long line) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return "";
    }
    if (!v.isTextual()) {
      problems.field(file, line, field, "expected a string, got " + kind(v));
      return "";
    }
    return v.textValue();
  }

  private static String kind(JsonNode v) {
    return switch (v.getNodeType()) {
      case NUMBER -> "number " + v;
      case STRING -> "string " + v;
      case BOOLEAN -> "boolean " + v;
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      case NULL -> "null";
      default -> v.getNodeType().name().toLowerCase();
    };
  }
}
