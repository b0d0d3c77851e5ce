package org.gemsj.data.convert;

import java.nio.charset.StandardCharsets;

/**
 * Which interactions a converter turns into category-query search events: a seeded hash of
 * (user, item) below {@code share}. A hash, not a random stream, so the choice for one pair does not
 * depend on file order or on which other lines were filtered out.
 */
public final class SearchShare {
  private SearchShare() {}

  /** True for about {@code share} of all (user, item) pairs; the same answer every run for a seed. */
  public static boolean picked(long seed, String user, String item, double share) {
    long h = 0xcbf29ce484222325L; // FNV-1a over user, a separator, item
    for (byte b : (user + '\u0000' + item).getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    h = mix(h ^ mix(seed));
    return (h >>> 11) * 0x1.0p-53 < share;
  }

  /** SplitMix64's finalizer: spreads FNV's weak low bits over the whole word. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
