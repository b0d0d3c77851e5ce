package org.gemsj.eval;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Draws the negatives of the sampled protocol: {@link #NEGATIVES} item indices uniformly without
 * replacement from every index but the target (all of them when fewer exist). The draw depends
 * only on the seed, the example's position and the catalogue size, so reruns compare equal.
 */
public final class NegativeSampler {
  public static final int NEGATIVES = 99;

  private NegativeSampler() {}

  public static int[] negatives(int catalogueSize, int target, long seed, long position) {
    if (target < 0 || target >= catalogueSize) {
      throw new IllegalArgumentException("target " + target + " outside catalogue of " + catalogueSize);
    }
    int pool = catalogueSize - 1;
    int k = Math.min(NEGATIVES, pool);
    SplittableRandom rnd = new SplittableRandom(mix64(seed ^ mix64(position + 0x632BE59BD9B4E019L)));
    // Floyd's algorithm: k distinct values of 0..pool-1 in O(k), whatever the catalogue size
    Set<Integer> chosen = new LinkedHashSet<>();
    for (int j = pool - k; j < pool; j++) {
      int t = rnd.nextInt(j + 1);
      chosen.add(chosen.contains(t) ? j : t);
    }
    int[] out = new int[k];
    int i = 0;
    for (int v : chosen) {
      out[i++] = v < target ? v : v + 1; // skip the target's slot
    }
    return out;
  }

  /** Stafford's mix13 finalizer: nearby (seed, position) pairs get unrelated streams. */
  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
