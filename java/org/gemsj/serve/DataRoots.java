package org.gemsj.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.gemsj.io.FileConfinement;

/**
 * The directories a job spec may read datasets from. A path is accepted only when its real path
 * (symlinks followed, {@code ..} resolved) lies inside one of them, so neither {@code ..} nor a
 * symlink can reach the rest of the file system. This check at submit is the first of two: the
 * job's worker checks every file again as it opens it ({@link org.gemsj.io.FileConfinement}),
 * since the directory may have changed in between.
 *
 * <p>A refusal tells a client nothing about the file system outside the roots: a path outside
 * them (as written, or once resolved) gets the same answer whether it exists or not, and the
 * roots are named as the server was configured, not by their real paths.
 */
public final class DataRoots {
  private final List<Path> configured;
  private final List<Path> lexical;
  private final List<Path> real;
  private final FileConfinement confinement;

  public DataRoots(List<Path> roots) throws IOException {
    if (roots.isEmpty()) {
      throw new IllegalArgumentException("at least one data root is needed");
    }
    List<Path> lex = new ArrayList<>(), rp = new ArrayList<>();
    for (Path r : roots) {
      if (!Files.isDirectory(r)) {
        throw new IllegalArgumentException("data root " + r + " is not a directory");
      }
      lex.add(r.toAbsolutePath().normalize());
      rp.add(r.toRealPath());
    }
    this.configured = List.copyOf(roots);
    this.lexical = List.copyOf(lex);
    this.real = List.copyOf(rp);
    this.confinement = FileConfinement.within(roots);
  }

  /** Opens files only inside the roots (what the server reads a job's files through). */
  public FileConfinement confinement() {
    return confinement;
  }

  /** The roots as configured (what the worker is given). */
  public List<Path> configured() {
    return configured;
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
      throw new SpecException(field, "is not a valid path: " + SpecException.quote(e.getReason()));
    }
    for (Path part : p) {
      if (part.toString().equals("..")) {
        throw new SpecException(field, "may not contain '..' (" + SpecException.quote(value) + ")");
      }
    }
    Path abs = p.isAbsolute() ? p.normalize() : lexical.get(0).resolve(p).normalize();
    if (lexical.stream().noneMatch(abs::startsWith) && real.stream().noneMatch(abs::startsWith)) {
      throw outside(field, value); // before touching the file system: existence outside is not revealed
    }
    Path resolved;
    try {
      resolved = abs.toRealPath();
    } catch (IOException e) {
      throw new SpecException(field, "no such directory: " + SpecException.quote(value));
    }
    if (real.stream().noneMatch(resolved::startsWith)) {
      throw outside(field, value);
    }
    if (!Files.isDirectory(resolved)) {
      throw new SpecException(field, SpecException.quote(value) + " is not a directory");
    }
    return resolved;
  }

  private SpecException outside(String field, String value) {
    return new SpecException(field, SpecException.quote(value) + " is outside the server's data roots " + configured);
  }
}
