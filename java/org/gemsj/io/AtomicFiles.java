package org.gemsj.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Crash-safe file writes: the content goes to a temp file beside the target, is fsynced, then
 * renamed over the target and the directory fsynced, so a crash leaves the old file or the new
 * one, never a torn one.
 */
public final class AtomicFiles {
  /** Writes a file's content to an open channel. */
  @FunctionalInterface
  public interface Body {
    void write(FileChannel out) throws IOException;
  }

  private AtomicFiles() {}

  public static void write(Path file, Body body) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
    try {
      try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        body.write(out);
        out.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      syncDirectory(dir);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  public static void write(Path file, byte[] content) throws IOException {
    write(file, out -> writeFully(out, ByteBuffer.wrap(content)));
  }

  public static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      out.write(buffer);
    }
  }

  /** Makes a rename durable; some file systems cannot sync a directory, which is harmless. */
  public static void syncDirectory(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException ignored) {
      // e.g. a file system without directory fsync; the file itself is already on disk
    }
  }
}
