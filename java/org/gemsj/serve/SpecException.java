package org.gemsj.serve;

/** A request field that is invalid: becomes INVALID_ARGUMENT with the field named first. */
public final class SpecException extends IllegalArgumentException {
  /** The most characters of a client's value an error quotes. */
  static final int QUOTED = 80;

  private final String field;

  public SpecException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  public String field() {
    return field;
  }

  /**
   * A client's value as an error message quotes it: in single quotes, at most {@link #QUOTED}
   * characters, anything but printable ASCII escaped as \\uXXXX, and its length when cut. A reply
   * that echoed a long value whole broke the HTTP/2 headers it travels in (INTERNAL, or no reply).
   */
  public static String quote(String value) {
    StringBuilder sb = new StringBuilder("'");
    int n = Math.min(value.length(), QUOTED);
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
        sb.append(c);
      } else {
        sb.append(String.format("\\u%04x", (int) c));
      }
    }
    sb.append('\'');
    if (value.length() > QUOTED) {
      sb.append(" (cut; ").append(value.length()).append(" characters)");
    }
    return sb.toString();
  }
}
