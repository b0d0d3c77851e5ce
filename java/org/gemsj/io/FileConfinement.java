package org.gemsj.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Opens files only where they really lie inside a set of directories, checked when the file is
 * opened, not earlier: a job's dataset is named when the job is submitted, but read when its
 * worker starts, and anything under a data root (the directory, or a file in it) may have become
 * a symlink to elsewhere in between.
 *
 * <p>{@link #open} resolves the file's real path (every symlink followed), refuses it unless it
 * lies inside a root's real path, opens that real path without following a symlink in its last
 * component, and checks again after opening that the path still resolves to the same file (same
 * real path and file key: device and inode). Refusals name the file as the caller named it and
 * the roots as they were configured, never where a symlink points. What remains: an attacker who
 * can write under a root could swap a directory on the real path for a symlink and back within
 * the microseconds between the open and the second check; closing that needs openat(2) per path
 * component, which the JVM does not offer. {@link #NONE} opens anything (the CLI run by the
 * data's owner).
 */
public final class FileConfinement {
  public static final FileConfinement NONE = new FileConfinement(List.of(), List.of());

  private final List<Path> realRoots;
  private final List<String> names;

  private FileConfinement(List<Path> realRoots, List<String> names) {
    this.realRoots = List.copyOf(realRoots);
    this.names = List.copyOf(names);
  }

  /** Confinement to {@code roots} (existing directories; their real paths are taken now). */
  public static FileConfinement within(List<Path> roots) throws IOException {
    if (roots.isEmpty()) {
      throw new IllegalArgumentException("a confinement needs at least one root directory");
    }
    List<Path> real = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (Path r : roots) {
      if (!Files.isDirectory(r)) {
        throw new IllegalArgumentException("data root " + r + " is not a directory");
      }
      real.add(r.toRealPath());
      names.add(r.toString());
    }
    return new FileConfinement(real, names);
  }

  public boolean confines() {
    return !realRoots.isEmpty();
  }

  /** The roots as they were configured. */
  public List<String> rootNames() {
    return names;
  }

  /** Opens {@code file} for reading, refusing it (IllegalArgumentException) when it resolves outside the roots. */
  public InputStream open(Path file) throws IOException {
    return Channels.newInputStream(channel(file));
  }

  /** As {@link #open}, for positioned reads (a safetensors file's tensors). */
  public FileChannel channel(Path file) throws IOException {
    if (!confines()) {
      return FileChannel.open(file, StandardOpenOption.READ);
    }
    Path real = inside(file);
    Object key = fileKey(real);
    FileChannel channel;
    try {
      channel = FileChannel.open(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      if (Files.isSymbolicLink(real)) { // became one after the check (O_NOFOLLOW refused it)
        throw outside(file);
      }
      throw e;
    }
    boolean same;
    try {
      same = real.equals(file.toRealPath()) && Objects.equals(key, fileKey(real));
    } catch (IOException gone) {
      same = false;
    }
    if (!same) {
      channel.close();
      throw outside(file);
    }
    return channel;
  }

  /** The real path of {@code file} when it lies inside the roots; refuses it otherwise. */
  public Path inside(Path file) throws IOException {
    Path real = file.toRealPath();
    if (confines() && realRoots.stream().noneMatch(real::startsWith)) {
      throw outside(file);
    }
    return real;
  }

  private IllegalArgumentException outside(Path file) {
    return new IllegalArgumentException(file + " resolves outside the data roots " + names
        + " (a symlink to elsewhere, or replaced since the job was submitted): refused");
  }

  private static Object fileKey(Path real) throws IOException {
    return Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
  }
}
