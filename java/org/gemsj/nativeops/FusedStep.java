package org.gemsj.nativeops;

import org.bytedeco.pytorch.Tensor;

/**
 * The fused GEMS step for one weight matrix (native op {@code gems::fused_step}).
 *
 * <p>Layout, for a weight W of shape m x n and R = rankShared + 2 * rankTask:
 *
 * <ul>
 *   <li>m &gt;= n: {@code basis} is R x n, rows of right singular vectors (shared, search, rec);
 *   <li>m &lt; n: {@code basis} is m x R, columns of left singular vectors, same order;
 *   <li>{@code expAvg} and {@code expAvgSq} are R x max(m, n).
 * </ul>
 *
 * <p>The step projects each gradient into its subspace, runs bias-corrected Adam there, gates
 * the task directions and applies {@code W <- W - lr (D_sh + g_s D_s + g_r D_r) - lr wd W}, keeping
 * the update (weight decay included) out of the protected directions of {@code nullBasis}.
 * On any error nothing is modified and a {@link GemsOpException} names the argument and shapes.
 */
public final class FusedStep {
  private FusedStep() {}

  /** Hyperparameters of one step. */
  public record Hyper(
      double lr, double beta1, double beta2, double eps, double alpha, double weightDecay) {
    /** The method's reference values (Adam 0.9 / 0.999, eps 1e-6, alpha 1, weight decay 0.01). */
    public static Hyper defaults(double lr) {
      return new Hyper(lr, 0.9, 0.999, 1e-6, 1.0, 0.01);
    }
  }

  /** One task's contribution: its gradient (null when count is 0), its sample count and gate. */
  public record Task(Tensor grad, long count, double gate) {}

  /**
   * Runs one step in place on {@code weight}, {@code expAvg} and {@code expAvgSq}.
   *
   * @param step 1-based step count used for Adam's bias correction
   * @param nullBasis m x k orthonormal protected directions, or null for no null-space projection
   */
  public static void apply(
      Tensor weight,
      Task search,
      Task rec,
      Tensor basis,
      long rankShared,
      long rankTask,
      Tensor expAvg,
      Tensor expAvgSq,
      long step,
      Hyper hyper,
      Tensor nullBasis) {
    NativeLibrary.load();
    GemsOpException.check(
        GemsNative.gems_fused_step(
            weight,
            search.grad(),
            rec.grad(),
            search.count(),
            rec.count(),
            basis,
            rankShared,
            rankTask,
            expAvg,
            expAvgSq,
            search.gate(),
            rec.gate(),
            step,
            hyper.lr(),
            hyper.beta1(),
            hyper.beta2(),
            hyper.eps(),
            hyper.alpha(),
            hyper.weightDecay(),
            nullBasis));
  }
}
