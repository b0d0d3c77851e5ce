package org.gemsj.eval;

/** Told after each scored batch how many examples are done, e.g. to draw a progress bar. */
@FunctionalInterface
public interface ProgressListener {
  ProgressListener NONE = (done, total) -> {};

  void progress(long done, long total);
}
