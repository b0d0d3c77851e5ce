package org.gemsj.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.DoubleUnaryOperator;
import org.gemsj.io.AtomicFiles;

/**
 * The item-to-item prior of the identifier softmax (atomic ids): for an input whose newest history
 * item is a, item j's logit gains {@code scale[task] * ln(1 + n(a, j))}, where n(a, j) counts the
 * training examples whose newest history item is a and whose target is j (both tasks, as the
 * item-to-item baseline counts them). The counts are fixed when training starts; the two scales
 * (search, rec) are a decoder parameter, learned. Saved with the model as {@value #FILE}.
 */
public final class TransitionPrior {
  public static final String FILE = "transitions.json";
  /** The per-task scales [2] (search, rec), trained with the decoder. */
  public static final String SCALE = "decoder.transition_scale";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Rows by source item (compressed): row a is targets[offsets[a] .. offsets[a + 1]). */
  record Saved(int items, int[] offsets, int[] targets, int[] counts) {}

  private final Saved table;

  private TransitionPrior(Saved table) {
    this.table = table;
  }

  /** Counts over (source, target) catalogue-index pairs of {@code items} items. */
  public static TransitionPrior count(int items, List<int[]> pairs) {
    List<TreeMap<Integer, Integer>> rows = new ArrayList<>();
    for (int i = 0; i < items; i++) {
      rows.add(new TreeMap<>());
    }
    for (int[] p : pairs) {
      rows.get(p[0]).merge(p[1], 1, Integer::sum);
    }
    int[] offsets = new int[items + 1];
    int nnz = 0;
    for (int i = 0; i < items; i++) {
      offsets[i] = nnz;
      nnz += rows.get(i).size();
    }
    offsets[items] = nnz;
    int[] targets = new int[nnz], counts = new int[nnz];
    int k = 0;
    for (TreeMap<Integer, Integer> row : rows) {
      for (Map.Entry<Integer, Integer> e : row.entrySet()) {
        targets[k] = e.getKey();
        counts[k++] = e.getValue();
      }
    }
    return new TransitionPrior(new Saved(items, offsets, targets, counts));
  }

  public int items() {
    return table.items();
  }

  /** Times {@code target} followed {@code source} in the training examples. */
  public int count(int source, int target) {
    int from = table.offsets()[source], to = table.offsets()[source + 1];
    int at = Arrays.binarySearch(table.targets(), from, to, target);
    return at >= 0 ? table.counts()[at] : 0;
  }

  /** Calls {@code visit(target, count)} for every item that followed {@code source}, in item order. */
  public void forEachFollower(int source, BiConsumer<Integer, Integer> visit) {
    for (int k = table.offsets()[source]; k < table.offsets()[source + 1]; k++) {
      visit.accept(table.targets()[k], table.counts()[k]);
    }
  }

  /**
   * ln(1 + n(source, j)) for every item j, written at {@code out[offset + j]}; nothing for a
   * negative source (no history).
   */
  public void logCounts(int source, float[] out, int offset) {
    if (source < 0) {
      return;
    }
    forEachFollower(source, (target, count) -> out[offset + target] = (float) Math.log1p(count));
  }

  /**
   * The scale s that maximises the mean log-likelihood of the targets of {@code pairs} under
   * softmax_j(bias_j + s ln(1 + n(a, j))), each pair left out of its own count (otherwise every
   * example would see its own target among the transitions and s would come out too large).
   * {@code bias} per item; the likelihood is concave in s, so a golden-section search over
   * [0, {@code max}] finds it.
   */
  public double fitScale(List<int[]> pairs, float[] bias, double max) {
    double top = Double.NEGATIVE_INFINITY;
    for (float b : bias) {
      top = Math.max(top, b);
    }
    double[] weight = new double[bias.length]; // exp(bias - top)
    double base = 0;
    for (int j = 0; j < bias.length; j++) {
      weight[j] = Math.exp(bias[j] - top);
      base += weight[j];
    }
    final double z0 = base;
    DoubleUnaryOperator meanLogLikelihood = scale -> {
      double total = 0;
      for (int[] p : pairs) {
        double z = z0, own = 0;
        for (int k = table.offsets()[p[0]]; k < table.offsets()[p[0] + 1]; k++) {
          int j = table.targets()[k];
          double c = Math.log1p(table.counts()[k] - (j == p[1] ? 1 : 0));
          z += weight[j] * Math.expm1(scale * c);
          if (j == p[1]) {
            own = scale * c;
          }
        }
        total += Math.log(weight[p[1]]) + own - Math.log(z);
      }
      return total / Math.max(1, pairs.size());
    };
    double lo = 0, hi = max, ratio = (Math.sqrt(5) - 1) / 2;
    double a = hi - ratio * (hi - lo), b = lo + ratio * (hi - lo);
    double fa = meanLogLikelihood.applyAsDouble(a), fb = meanLogLikelihood.applyAsDouble(b);
    for (int i = 0; i < 40; i++) {
      if (fa < fb) {
        lo = a;
        a = b;
        fa = fb;
        b = lo + ratio * (hi - lo);
        fb = meanLogLikelihood.applyAsDouble(b);
      } else {
        hi = b;
        b = a;
        fb = fa;
        a = hi - ratio * (hi - lo);
        fa = meanLogLikelihood.applyAsDouble(a);
      }
    }
    return (lo + hi) / 2;
  }

  public void save(Path file) throws IOException {
    AtomicFiles.write(file, JSON.writeValueAsBytes(table));
  }

  /** Reads a saved prior, checking it covers {@code items} items and is well formed. */
  public static TransitionPrior load(Path file, int items) throws IOException {
    Saved t = JSON.readValue(file.toFile(), Saved.class);
    if (t.items() != items || t.offsets() == null || t.offsets().length != items + 1 || t.targets() == null
        || t.counts() == null || t.targets().length != t.counts().length
        || t.offsets()[items] != t.targets().length) {
      throw new IOException(file + ": not a transition table for the model's " + items + " items");
    }
    for (int i = 0; i < items; i++) {
      if (t.offsets()[i] < 0 || t.offsets()[i] > t.offsets()[i + 1]) {
        throw new IOException(file + ": offsets decrease at item " + i);
      }
      for (int k = t.offsets()[i]; k < t.offsets()[i + 1]; k++) {
        boolean ordered = k == t.offsets()[i] || t.targets()[k] > t.targets()[k - 1];
        if (t.targets()[k] < 0 || t.targets()[k] >= items || t.counts()[k] < 1 || !ordered) {
          throw new IOException(file + ": entry " + k + " (row " + i + ") is out of range or out of order");
        }
      }
    }
    return new TransitionPrior(t);
  }
}
