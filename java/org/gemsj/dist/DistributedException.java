package org.gemsj.dist;

/** A collective or the rendezvous failed; the message names this rank and the operation. */
public final class DistributedException extends RuntimeException {
  public DistributedException(String message) {
    super(message);
  }

  public DistributedException(String message, Throwable cause) {
    super(message, cause);
  }
}
