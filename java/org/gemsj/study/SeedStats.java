package org.gemsj.study;

import java.util.List;
import java.util.Locale;

/**
 * Mean and sample standard deviation over seeds, and the rule the study uses to call a
 * difference real: the two means differ by more than twice the standard error of their
 * difference, sqrt(s_a^2/n_a + s_b^2/n_b) (with 3 seeds a rough screen, not a significance test).
 */
public record SeedStats(double mean, double std, int n) {
  public static SeedStats of(List<Double> values) {
    int n = values.size();
    if (n == 0) {
      return new SeedStats(Double.NaN, Double.NaN, 0);
    }
    double mean = values.stream().mapToDouble(Double::doubleValue).sum() / n;
    double ss = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
    return new SeedStats(mean, n > 1 ? Math.sqrt(ss / (n - 1)) : 0.0, n);
  }

  /** The standard error of {@code this.mean - other.mean}. */
  public double standardErrorOfDifference(SeedStats other) {
    return Math.sqrt(std * std / n + other.std * other.std / other.n);
  }

  /** Whether the means differ by more than twice the standard error of the difference (needs 2+ seeds each). */
  public boolean exceedsNoise(SeedStats other) {
    if (n < 2 || other.n < 2) {
      return false;
    }
    return Math.abs(mean - other.mean) > 2 * standardErrorOfDifference(other);
  }

  /**
   * The mean of per-seed paired differences, against zero: with its standard error std/sqrt(n)
   * and the verdict at twice that, or "one seed: no standard error".
   */
  public String pairedText() {
    if (n < 2) {
      return String.format(Locale.ROOT, "%+.4f (one seed: no standard error)", mean);
    }
    double se = std / Math.sqrt(n);
    return String.format(Locale.ROOT, "%+.4f ± %.4f %s", mean, se,
        Math.abs(mean) > 2 * se ? "**(exceeds noise)**" : "(within noise)");
  }

  /**
   * {@code this.mean - reference.mean} as the study's tables write it: with its standard error and
   * the verdict, or, with fewer than two seeds on either side, saying there is no standard error
   * (a "± 0.0000" would read as a measured zero).
   */
  public String differenceText(SeedStats reference) {
    double diff = mean - reference.mean;
    if (n < 2 || reference.n < 2) {
      return String.format(Locale.ROOT, "%+.4f (one seed: no standard error)", diff);
    }
    return String.format(Locale.ROOT, "%+.4f ± %.4f %s", diff, standardErrorOfDifference(reference),
        exceedsNoise(reference) ? "**(exceeds noise)**" : "(within noise)");
  }
}
