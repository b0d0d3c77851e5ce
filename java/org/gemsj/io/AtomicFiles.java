package org.gemsj.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

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
    Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
    try {
      readableByAll(tmp);
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

  /** Temp files and directories are created owner-only; what they become should not be. */
  private static void readableByAll(Path p) throws IOException {
    String mode = Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--";
    try {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: keep its default
    }
  }

  /** Fills a fresh directory. */
  @FunctionalInterface
  public interface DirectoryBody {
    void write(Path dir) throws IOException;
  }

  /**
   * Replaces directory {@code dir} by one that {@code body} fills: the new copy is written and
   * synced beside it first, so a crash leaves the old directory or the new one (or, between
   * the two renames, the complete new one under its staging name and the old under ".old").
   */
  public static void replaceDirectory(Path dir, DirectoryBody body) throws IOException {
    Path parent = dir.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path staging = Files.createTempDirectory(parent, "." + dir.getFileName() + ".staging");
    try {
      readableByAll(staging);
      body.write(staging);
      syncDirectory(staging);
      Path old = null;
      if (Files.exists(dir)) {
        old = parent.resolve(dir.getFileName() + ".old");
        deleteTree(old);
        Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
      }
      Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
      syncDirectory(parent);
      if (old != null) {
        deleteTree(old);
      }
    } finally {
      deleteTree(staging);
    }
  }

  /**
   * Completes an interrupted {@link #replaceDirectory}: if a crash came between its two renames,
   * {@code dir} is missing and the complete previous copy sits at {@code dir.old}; put it back.
   */
  public static void recoverDirectory(Path dir) throws IOException {
    Path old = dir.toAbsolutePath().getParent().resolve(dir.getFileName() + ".old");
    if (!Files.exists(dir) && Files.isDirectory(old)) {
      try {
        Files.move(old, dir, StandardCopyOption.ATOMIC_MOVE);
      } catch (java.nio.file.NoSuchFileException raced) {
        if (!Files.isDirectory(dir)) { // not another process (a data-parallel rank) recovering it first
          throw raced;
        }
      }
    }
  }

  /** Deletes a file tree if it exists. */
  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
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
