package org.gemsj.nativeops;

/** A native GEMS operation rejected its inputs or failed; the message names the op and shapes. */
public final class GemsOpException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public GemsOpException(String message) {
    super(message);
  }

  /** Throws with the native library's message for this thread when {@code rc} is non-zero. */
  static void check(int rc) {
    if (rc != 0) {
      String message = GemsNative.gems_last_error().getString();
      throw new GemsOpException(message.isEmpty() ? "native GEMS op failed (code " + rc + ")" : message);
    }
  }
}
