package org.gemsj.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The directories a job spec may read datasets from. A path is accepted only when its real path
 * (symlinks followed, {@code ..} resolved) lies inside one of them, so neither {@code ..} nor a
 * symlink can reach the rest of the file system.
 */
public final class DataRoots {
  private final List<Path> roots;

  public DataRoots(List<Path> roots) throws IOException {
    if (roots.isEmpty()) {
      throw new IllegalArgumentException("at least one data root is needed");
    }
    List<Path> real = new ArrayList<>();
    for (Path r : roots) {
      if (!Files.isDirectory(r)) {
        throw new IllegalArgumentException("data root " + r + " is not a directory");
      }
      real.add(r.toRealPath());
    }
    this.roots = List.copyOf(real);
  }

  /**
   * The real path of an existing directory named by {@code value} (relative paths are taken from
   * the first root); throws {@link SpecException} naming {@code field} otherwise.
   */
  public Path resolveDirectory(String field, String value) {
    if (value == null || value.isBlank()) {
      throw new SpecException(field, "is required");
    }
    Path p;
    try {
      p = Path.of(value);
    } catch (InvalidPathException e) {
      throw new SpecException(field, "is not a valid path: " + e.getReason());
    }
    for (Path part : p) {
      if (part.toString().equals("..")) {
        throw new SpecException(field, "may not contain '..' (" + value + ")");
      }
    }
    Path abs = p.isAbsolute() ? p : roots.get(0).resolve(p);
    Path real;
    try {
      real = abs.toRealPath();
    } catch (IOException e) {
      throw new SpecException(field, "no such directory: " + value);
    }
    if (roots.stream().noneMatch(real::startsWith)) {
      throw new SpecException(field, value + " is outside the server's data roots " + roots);
    }
    if (!Files.isDirectory(real)) {
      throw new SpecException(field, value + " is not a directory");
    }
    return real;
  }
}
