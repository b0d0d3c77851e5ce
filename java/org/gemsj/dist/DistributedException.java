package org.gemsj.dist;

/** A collective or the rendezvous failed; the message names this rank and the operation. */
public final class DistributedException extends RuntimeException {
  /** The exit status of a rank that ends on one (`gems train`, the worker): its group failed. */
  public static final int EXIT_STATUS = 4;

  public DistributedException(String message) {
    super(message);
  }

  public DistributedException(String message, Throwable cause) {
    super(message, cause);
  }
}
