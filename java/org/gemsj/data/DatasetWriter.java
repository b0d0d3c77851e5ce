package org.gemsj.data;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.gemsj.io.AtomicFiles;

/**
 * Writes a dataset directory. Each file is written to a temporary file in the target directory,
 * flushed to disk, then renamed over its target, so a reader never sees a half-written file.
 * Output is byte-for-byte a function of the input (fixed field order, '\n' line ends).
 */
public final class DatasetWriter {
  // The generator must not close the channel: it is forced to disk after the generator flushes.
  private static final JsonFactory JSON =
      JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();

  private DatasetWriter() {}

  /**
   * Writes items.jsonl and events.jsonl into {@code dir} (created if missing).
   *
   * @throws IllegalArgumentException if the data would not load back (duplicate or unknown item ids,
   *     blank ids, negative timestamps, query present iff task is search violated)
   */
  public static void write(Path dir, List<Item> items, List<Event> events) throws IOException {
    check(items, events);
    Files.createDirectories(dir);
    AtomicFiles.write(dir.resolve(Dataset.ITEMS), ch -> writeJson(ch, g -> {
      for (Item it : items) {
        g.writeStartObject();
        g.writeStringField("id", it.id());
        g.writeStringField("title", it.title());
        g.writeStringField("text", it.text());
        g.writeArrayFieldStart("categories");
        for (String c : it.categories()) {
          g.writeString(c);
        }
        g.writeEndArray();
        g.writeEndObject();
        g.writeRaw('\n');
      }
    }));
    AtomicFiles.write(dir.resolve(Dataset.EVENTS), ch -> writeJson(ch, g -> {
      for (Event e : events) {
        g.writeStartObject();
        g.writeStringField("user", e.user());
        g.writeStringField("item", e.item());
        g.writeNumberField("ts", e.ts());
        g.writeStringField("task", e.task().wire);
        if (e.query() != null) {
          g.writeStringField("query", e.query());
        }
        g.writeEndObject();
        g.writeRaw('\n');
      }
    }));
  }

  private interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  private static void writeJson(FileChannel ch, Body body) throws IOException {
    OutputStream out = Channels.newOutputStream(ch);
    try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
      g.setRootValueSeparator(null); // records are separated by the '\n' written above
      body.write(g);
    }
  }

  private static void check(List<Item> items, List<Event> events) {
    Set<String> ids = new HashSet<>();
    for (Item it : items) {
      if (it.id() == null || it.id().isBlank() || it.title() == null || it.title().isBlank()) {
        throw new IllegalArgumentException("item with blank id or title: " + it);
      }
      if (!ids.add(it.id())) {
        throw new IllegalArgumentException("duplicate item id \"" + it.id() + "\"");
      }
    }
    for (Event e : events) {
      if (e.user() == null || e.user().isBlank() || !ids.contains(e.item()) || e.ts() < 0 || e.task() == null
          || (e.task() == Task.SEARCH) != (e.query() != null && !e.query().isBlank())
          || (e.task() == Task.REC && e.query() != null)) {
        throw new IllegalArgumentException("event would not load: " + e);
      }
    }
  }
}
