package org.gemsj.model;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How items are written as decoder tokens. Token 0 is BOS; every item is a sequence of
 * {@link #depth()} tokens, unique per item.
 *
 * <ul>
 *   <li>ATOMIC: one token per item (token = 1 + item index).
 *   <li>SEMANTIC: one token per residual k-means level (level l's codes occupy their own token
 *       range), then a suffix token that tells apart items with the same codes.
 * </ul>
 */
public final class ItemIds {
  public enum Scheme {
    ATOMIC,
    SEMANTIC;

    /** The scheme named on the command line: "atomic" or "semantic". */
    public static Scheme fromCli(String name) {
      for (Scheme s : values()) {
        if (s.name().toLowerCase(Locale.ROOT).equals(name)) {
          return s;
        }
      }
      throw new IllegalArgumentException("unknown --ids '" + name + "' (choose atomic or semantic)");
    }
  }

  public static final int BOS = 0;

  public final Scheme scheme;
  public final int levels;
  public final int codebook;
  public final int suffixes;
  private final int[][] tokens; // tokens[item] (without BOS)
  private final IdTrie trie;

  private ItemIds(Scheme scheme, int levels, int codebook, int suffixes, int[][] tokens) {
    this.scheme = scheme;
    this.levels = levels;
    this.codebook = codebook;
    this.suffixes = suffixes;
    this.tokens = tokens;
    this.trie = new IdTrie(tokens);
  }

  public static ItemIds atomic(int items) {
    int[][] tokens = new int[items][];
    for (int i = 0; i < items; i++) {
      tokens[i] = new int[] {1 + i};
    }
    return new ItemIds(Scheme.ATOMIC, 0, 0, 0, tokens);
  }

  /** Semantic ids from {@code codes[item][level]} (residual k-means), suffixes resolving collisions. */
  public static ItemIds semantic(int[][] codes, int codebook) {
    int levels = codes.length == 0 ? 0 : codes[0].length;
    Map<String, Integer> seen = new HashMap<>();
    int[] suffix = new int[codes.length];
    int maxSuffix = 0;
    for (int i = 0; i < codes.length; i++) {
      String key = Arrays.toString(codes[i]);
      suffix[i] = seen.merge(key, 1, Integer::sum) - 1;
      maxSuffix = Math.max(maxSuffix, suffix[i]);
    }
    int[][] tokens = new int[codes.length][levels + 1];
    for (int i = 0; i < codes.length; i++) {
      for (int l = 0; l < levels; l++) {
        tokens[i][l] = 1 + l * codebook + codes[i][l];
      }
      tokens[i][levels] = 1 + levels * codebook + suffix[i];
    }
    return new ItemIds(Scheme.SEMANTIC, levels, codebook, maxSuffix + 1, tokens);
  }

  /** Rebuilds ids saved with a model (the token table). */
  public static ItemIds fromTokens(Scheme scheme, int levels, int codebook, int suffixes, int[][] tokens) {
    return new ItemIds(scheme, levels, codebook, suffixes, tokens);
  }

  public int items() {
    return tokens.length;
  }

  /** Tokens per item (without BOS). */
  public int depth() {
    return tokens.length == 0 ? 0 : tokens[0].length;
  }

  /** Decoder vocabulary: BOS plus every token an item may use. */
  public int vocabulary() {
    return scheme == Scheme.ATOMIC ? 1 + tokens.length : 1 + levels * codebook + suffixes;
  }

  public int[] tokensOf(int item) {
    return tokens[item].clone();
  }

  public int[][] table() {
    int[][] copy = new int[tokens.length][];
    for (int i = 0; i < tokens.length; i++) {
      copy[i] = tokens[i].clone();
    }
    return copy;
  }

  public IdTrie trie() {
    return trie;
  }
}
