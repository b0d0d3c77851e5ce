package org.gemsj.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Trie-constrained beam search over item identifiers: at each step only tokens that extend a
 * valid identifier prefix are considered (log-softmax renormalised over them), so every
 * returned identifier is a real item.
 */
public final class BeamSearch {
  /** A partial identifier (tokens after BOS) and its summed log-probability. */
  public record Beam(List<Integer> tokens, double score) {}

  private BeamSearch() {}

  /**
   * The top {@code k} items (item index, score), best first.
   *
   * @param nextLogits for prefixes (tokens after BOS), the next-token logits over the vocabulary
   */
  public static List<Beam> search(IdTrie trie, int depth, int beamWidth, int k, Function<List<List<Integer>>, float[][]> nextLogits) {
    if (beamWidth < 1 || k < 1) {
      throw new IllegalArgumentException("beam width and k must be >= 1, got " + beamWidth + " and " + k);
    }
    List<Beam> beams = List.of(new Beam(List.of(), 0.0));
    for (int step = 0; step < depth; step++) {
      List<List<Integer>> prefixes = beams.stream().map(Beam::tokens).toList();
      float[][] logits = nextLogits.apply(prefixes);
      List<Beam> expanded = new ArrayList<>();
      for (int b = 0; b < beams.size(); b++) {
        int[] allowed = trie.next(beams.get(b).tokens());
        double logZ = logSumExp(logits[b], allowed);
        for (int token : allowed) {
          List<Integer> tokens = new ArrayList<>(beams.get(b).tokens());
          tokens.add(token);
          expanded.add(new Beam(List.copyOf(tokens), beams.get(b).score() + logits[b][token] - logZ));
        }
      }
      expanded.sort(Comparator.comparingDouble(Beam::score).reversed());
      int keep = step == depth - 1 ? Math.min(k, beamWidth) : beamWidth;
      beams = expanded.subList(0, Math.min(keep, expanded.size()));
    }
    return beams;
  }

  public static double logSumExp(float[] logits, int[] allowed) {
    return logSumExp(logits, 0, allowed);
  }

  /** log Σ exp over the allowed tokens of the logit row starting at {@code offset}. */
  static double logSumExp(float[] logits, int offset, int[] allowed) {
    double max = Double.NEGATIVE_INFINITY;
    for (int t : allowed) {
      max = Math.max(max, logits[offset + t]);
    }
    double sum = 0;
    for (int t : allowed) {
      sum += Math.exp(logits[offset + t] - max);
    }
    return max + Math.log(sum);
  }
}
