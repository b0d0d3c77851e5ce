package org.gemsj.data;

import java.io.IOException;
import java.util.List;

/**
 * Invalid input data: a dataset directory or a converter's source files. It is an {@link IOException}
 * because it is always about file contents, so callers that read files already handle it. The message
 * lists every collected error (each "file:line: field 'x': problem"), at most {@link Problems#LIMIT},
 * plus "and N more" when there were more.
 */
public final class DatasetException extends IOException {
  private final List<String> errors;
  private final int total;

  public DatasetException(String what, List<String> errors, int total) {
    super(format(what, errors, total));
    this.errors = List.copyOf(errors);
    this.total = total;
  }

  /** The errors kept (the first {@link Problems#LIMIT}). */
  public List<String> errors() {
    return errors;
  }

  /** How many errors there were in all, kept or not. */
  public int total() {
    return total;
  }

  private static String format(String what, List<String> errors, int total) {
    StringBuilder sb = new StringBuilder(what).append(": ").append(total)
        .append(total == 1 ? " error" : " errors");
    for (String e : errors) {
      sb.append("\n  ").append(e);
    }
    if (total > errors.size()) {
      sb.append("\n  and ").append(total - errors.size()).append(" more");
    }
    return sb.toString();
  }
}
