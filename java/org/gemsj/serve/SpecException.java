package org.gemsj.serve;

/** A request field that is invalid: becomes INVALID_ARGUMENT with the field named first. */
public final class SpecException extends IllegalArgumentException {
  private final String field;

  public SpecException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
