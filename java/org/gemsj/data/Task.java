package org.gemsj.data;

/** The two tasks one model serves. {@link #wire} is the name used in files and metrics. */
public enum Task {
  SEARCH("search"),
  REC("rec");

  public final String wire;

  Task(String wire) {
    this.wire = wire;
  }

  /** The task named {@code s} in a file ("search" or "rec"), or null. */
  public static Task fromWire(String s) {
    for (Task t : values()) {
      if (t.wire.equals(s)) {
        return t;
      }
    }
    return null;
  }
}
