package org.gemsj.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** The prefix tree of all valid item token sequences: what may follow a prefix, and whose it is. */
public final class IdTrie {
  private final Map<List<Integer>, int[]> children = new HashMap<>();
  private final Map<List<Integer>, Integer> leaves = new HashMap<>();

  IdTrie(int[][] tokens) {
    Map<List<Integer>, TreeSet<Integer>> next = new HashMap<>();
    for (int item = 0; item < tokens.length; item++) {
      List<Integer> prefix = new ArrayList<>();
      for (int token : tokens[item]) {
        next.computeIfAbsent(List.copyOf(prefix), p -> new TreeSet<>()).add(token);
        prefix.add(token);
      }
      if (leaves.put(List.copyOf(prefix), item) != null) {
        throw new IllegalArgumentException("two items share the identifier " + prefix);
      }
    }
    next.forEach((p, set) -> children.put(p, set.stream().mapToInt(Integer::intValue).toArray()));
  }

  /** Tokens that may follow {@code prefix} (empty when it is complete or invalid). */
  public int[] next(List<Integer> prefix) {
    int[] c = children.get(prefix);
    return c == null ? new int[0] : c.clone();
  }

  /** The item whose complete identifier is {@code tokens}, or -1. */
  public int item(List<Integer> tokens) {
    return leaves.getOrDefault(tokens, -1);
  }

  @Override
  public String toString() {
    return "IdTrie" + Arrays.toString(new int[] {children.size(), leaves.size()});
  }
}
