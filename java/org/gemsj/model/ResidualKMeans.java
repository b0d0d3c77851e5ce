package org.gemsj.model;

import java.util.Arrays;
import java.util.Random;

/**
 * Residual k-means (the quantiser behind semantic item identifiers): level 1 clusters the
 * vectors, each next level clusters what the previous levels' centroids left unexplained.
 * k-means++ seeding and Lloyd iterations, deterministic for a seed.
 */
public final class ResidualKMeans {
  /** codes[item][level] and centroids[level][code][dim]. */
  public record Result(int[][] codes, float[][][] centroids) {}

  private ResidualKMeans() {}

  public static Result fit(float[][] vectors, int levels, int codebook, int iterations, long seed) {
    int n = vectors.length, dim = vectors[0].length;
    float[][] residual = new float[n][];
    for (int i = 0; i < n; i++) {
      residual[i] = vectors[i].clone();
    }
    int[][] codes = new int[n][levels];
    float[][][] centroids = new float[levels][][];
    Random random = new Random(seed);
    for (int level = 0; level < levels; level++) {
      int k = Math.min(codebook, n);
      float[][] c = seedPlusPlus(residual, k, random);
      int[] assign = new int[n];
      for (int it = 0; it < iterations; it++) {
        boolean changed = assignAll(residual, c, assign) || it == 0;
        recompute(residual, c, assign, random);
        if (!changed) {
          break;
        }
      }
      assignAll(residual, c, assign);
      float[][] full = new float[codebook][];
      for (int j = 0; j < codebook; j++) {
        full[j] = j < k ? c[j] : new float[dim];
      }
      centroids[level] = full;
      for (int i = 0; i < n; i++) {
        codes[i][level] = assign[i];
        for (int d = 0; d < dim; d++) {
          residual[i][d] -= c[assign[i]][d];
        }
      }
    }
    return new Result(codes, centroids);
  }

  private static float[][] seedPlusPlus(float[][] x, int k, Random random) {
    int n = x.length;
    float[][] c = new float[k][];
    c[0] = x[random.nextInt(n)].clone();
    double[] nearest = new double[n];
    Arrays.fill(nearest, Double.MAX_VALUE);
    for (int j = 1; j < k; j++) {
      double total = 0;
      for (int i = 0; i < n; i++) {
        nearest[i] = Math.min(nearest[i], distance(x[i], c[j - 1]));
        total += nearest[i];
      }
      double pick = random.nextDouble() * total;
      int chosen = n - 1;
      for (int i = 0; i < n; i++) {
        pick -= nearest[i];
        if (pick <= 0) {
          chosen = i;
          break;
        }
      }
      c[j] = x[chosen].clone();
    }
    return c;
  }

  private static boolean assignAll(float[][] x, float[][] c, int[] assign) {
    boolean changed = false;
    for (int i = 0; i < x.length; i++) {
      int best = 0;
      double bestD = Double.MAX_VALUE;
      for (int j = 0; j < c.length; j++) {
        double d = distance(x[i], c[j]);
        if (d < bestD) {
          bestD = d;
          best = j;
        }
      }
      changed |= assign[i] != best;
      assign[i] = best;
    }
    return changed;
  }

  /** Centroids become their members' means; an empty cluster takes a random point. */
  private static void recompute(float[][] x, float[][] c, int[] assign, Random random) {
    int dim = x[0].length;
    double[][] sum = new double[c.length][dim];
    int[] count = new int[c.length];
    for (int i = 0; i < x.length; i++) {
      count[assign[i]]++;
      for (int d = 0; d < dim; d++) {
        sum[assign[i]][d] += x[i][d];
      }
    }
    for (int j = 0; j < c.length; j++) {
      if (count[j] == 0) {
        c[j] = x[random.nextInt(x.length)].clone();
        continue;
      }
      for (int d = 0; d < dim; d++) {
        c[j][d] = (float) (sum[j][d] / count[j]);
      }
    }
  }

  static double distance(float[] a, float[] b) {
    double s = 0;
    for (int d = 0; d < a.length; d++) {
      double diff = a[d] - b[d];
      s += diff * diff;
    }
    return s;
  }
}
