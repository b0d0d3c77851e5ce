package org.gemsj.data;

import java.util.ArrayList;
import java.util.List;

/** Collects errors while reading input so that one run reports many, not just the first. */
public final class Problems {
  /** How many messages are kept; the rest are only counted. */
  public static final int LIMIT = 20;

  private final List<String> kept = new ArrayList<>();
  private int total;

  /** Adds "file:line: message" (line < 1: "file: message"). */
  public void add(String file, long line, String message) {
    total++;
    if (kept.size() < LIMIT) {
      kept.add(line >= 1 ? file + ":" + line + ": " + message : file + ": " + message);
    }
  }

  /** Adds "file:line: field 'name': message". */
  public void field(String file, long line, String field, String message) {
    add(file, line, "field '" + field + "': " + message);
  }

  public boolean isEmpty() {
    return total == 0;
  }

  public int total() {
    return total;
  }

  /** Throws one exception listing everything collected, if anything was. */
  public void throwIfAny(String what) throws DatasetException {
    if (total > 0) {
      throw new DatasetException(what, kept, total);
    }
  }
}
