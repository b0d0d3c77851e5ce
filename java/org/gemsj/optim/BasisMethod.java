package org.gemsj.optim;

/** How bases are refreshed. AUTO: exact SVD up to min(m, n) = 1024, randomized above. */
public enum BasisMethod {
  EXACT,
  RANDOMIZED,
  AUTO;

  static final long AUTO_RANDOMIZED_ABOVE = 1024;

  boolean randomizedFor(long m, long n) {
    return this == RANDOMIZED || (this == AUTO && Math.min(m, n) > AUTO_RANDOMIZED_ABOVE);
  }
}
