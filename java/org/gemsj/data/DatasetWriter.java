package org.gemsj.data;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes a dataset directory. Both files are written to temporary files in the target directory,
 * flushed to disk, then renamed over the targets, so a reader never sees a half-written file.
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
    Path itemsTmp = Files.createTempFile(dir, "." + Dataset.ITEMS + ".", ".tmp");
    Path eventsTmp = Files.createTempFile(dir, "." + Dataset.EVENTS + ".", ".tmp");
    try {
      readableByAll(itemsTmp);
      readableByAll(eventsTmp);
      writeFile(itemsTmp, g -> {
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
      });
      writeFile(eventsTmp, g -> {
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
      });
      move(itemsTmp, dir.resolve(Dataset.ITEMS));
      move(eventsTmp, dir.resolve(Dataset.EVENTS));
      syncDirectory(dir);
    } finally {
      Files.deleteIfExists(itemsTmp);
      Files.deleteIfExists(eventsTmp);
    }
  }

  private interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  private static void writeFile(Path path, Body body) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      OutputStream out = Channels.newOutputStream(ch);
      try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
        g.setRootValueSeparator(null); // records are separated by the '\n' written above
        body.write(g);
      }
      ch.force(true);
    }
  }

  /** Temp files are created owner-only; the dataset itself should not be. */
  private static void readableByAll(Path p) throws IOException {
    try {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: keep its default
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Makes the renames durable; not every platform can open a directory, which is fine. */
  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // best effort
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
