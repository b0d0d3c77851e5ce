package org.gemsj.optim;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.nativeops.BasisRefresh;
import org.gemsj.torch.Tensors;

/**
 * The {@link Decomposition#COMPLEMENTARY} refresh of one weight's three bases. With H_s, H_r the
 * null-projected task gradients written short side first (s x l: G^T when m &gt;= n, G else):
 *
 * <ul>
 *   <li>shared: the eigenvectors of S = H_s H_r^T + H_r H_s^T with the largest positive
 *       eigenvalues, at most r_sh of them and only those above {@link #AGREEMENT_FRACTION} of the
 *       largest; zero columns fill the rest. Along each, the tasks' projected gradients agree:
 *       u^T H_s H_r^T u = lambda / 2 &gt; 0. With one task absent (empty batch or zero gradient)
 *       it is that task's top-r_sh singular vectors, as GaLore computes them;
 *   <li>task k: the top-r_task singular vectors of H_k - U_sh U_sh^T H_k, so U_sh^T U_k = 0.
 *       An absent task's basis follows the present task's (its update is zero while absent).
 * </ul>
 *
 * S and the residuals are formed in float64 (cheap next to the SVDs, and exact enough to tell
 * agreement from conflict); the bases are stored as float32 like the reference's.
 */
final class ComplementaryBases {
  /**
   * Shared directions whose agreement (eigenvalue of S) is below this fraction of the strongest
   * are left out: they carry almost no common signal and their eigenvectors are ill-determined.
   */
  static final double AGREEMENT_FRACTION = 1e-3;
  /** Eigenvalues within this fraction of S's largest |eigenvalue| are float64 round-off, not agreement. */
  static final double EIGEN_ROUNDOFF = 1e-10;
  /**
   * Task directions whose residual singular value is below this fraction of |H_k|_F are round-off
   * of the float32 shared basis (the residual has lower rank than r_task): they are zeroed.
   */
  static final double TASK_FLOOR = 1e-5;

  private ComplementaryBases() {}

  /**
   * Writes the three bases into {@code blocks} (views of the concatenated basis in the fused
   * step's layout: rows when {@code right}, columns else) and returns the lowest fraction of a
   * present task's null-projected gradient that the shared and its own basis capture together
   * (0 when neither task is present).
   *
   * @param gs search gradient (m x n) or null when the task is absent from the batch
   * @param gr rec gradient or null
   * @param nullBasis m x k protected directions or null
   */
  static double refresh(Tensor gs, Tensor gr, Tensor nullBasis, Tensor[] blocks, boolean right,
      BasisRefresh.Method method, long seed) {
    try (PointerScope scope = new PointerScope()) {
      Tensor[] g = {null, offProtected(gs, nullBasis), offProtected(gr, nullBasis)};
      boolean[] present = {false, isPresent(g[1]), isPresent(g[2])};
      Tensor[] h = {null, present[1] ? shortSide(g[1], right) : null, present[2] ? shortSide(g[2], right) : null};
      long rankShared = rank(blocks[0], right), rankTask = rank(blocks[1], right);
      if (!present[1] && !present[2]) {
        for (Tensor b : blocks) {
          b.zero_();
        }
        return 0;
      }
      if (present[1] && present[2]) {
        Tensor shared = agreement(h[1], h[2], rankShared);
        blocks[0].copy_(right ? shared.t() : shared);
      } else {
        // as GaLore's (and the reference's) refresh of a one-task batch, bit for bit
        BasisRefresh.refresh(present[1] ? g[1] : g[2], rankShared, method, BasisRefresh.Options.defaults(seed * 31),
            blocks[0]);
      }
      Tensor u = shortSide(blocks[0], right); // s x r_sh float64, as stored
      double lowest = 1.0;
      for (int k = 1; k <= 2; k++) {
        if (!present[k]) {
          continue;
        }
        double total = Tensors.norm(h[k]);
        Tensor own = residualBasis(h[k], u, total, rankTask, right, method, seed * 31 + k, blocks[k]);
        double captured = Math.pow(Tensors.norm(u.t().mm(h[k])), 2) + Math.pow(Tensors.norm(own.t().mm(h[k])), 2);
        lowest = Math.min(lowest, Math.min(1.0, captured / (total * total)));
      }
      if (present[1] != present[2]) {
        blocks[present[1] ? 2 : 1].copy_(blocks[present[1] ? 1 : 2]);
      }
      return lowest;
    }
  }

  /** G off the protected output directions (G - K K^T G); null stays null. */
  private static Tensor offProtected(Tensor g, Tensor nullBasis) {
    if (g == null || nullBasis == null) {
      return g;
    }
    return g.sub(nullBasis.mm(nullBasis.t().mm(g)));
  }

  private static boolean isPresent(Tensor g) {
    return g != null && Tensors.norm(g) > 0;
  }

  private static long rank(Tensor block, boolean right) {
    return block.size(right ? 0 : 1);
  }

  /** As float64 with the basis side first: transposed when {@code right} (a gradient, or a block stored as rows). */
  private static Tensor shortSide(Tensor g, boolean right) {
    Tensor t = right ? g.t() : g;
    return t.scalar_type().value == torch.ScalarType.Double.value ? t : t.to(torch.ScalarType.Double);
  }

  /** s x rank: the top positive eigenvectors of S = H_s H_r^T + H_r H_s^T, zero columns after the kept ones. */
  private static Tensor agreement(Tensor hs, Tensor hr, long rank) {
    Tensor a = hs.mm(hr.t());
    Tensor sym = a.add(a.t()); // exactly symmetric, whatever the GEMM's rounding
    T_TensorTensor_T eig = torch.linalg_eigh(sym, "L"); // ascending eigenvalues
    double[] lambda = hostDoubles(eig.get0());
    int s = lambda.length;
    double largest = lambda[s - 1], scale = Math.max(Math.abs(lambda[0]), Math.abs(largest));
    double cutoff = Math.max(AGREEMENT_FRACTION * largest, EIGEN_ROUNDOFF * scale);
    int kept = 0;
    while (kept < rank && kept < s && lambda[s - 1 - kept] > cutoff) {
      kept++;
    }
    Tensor out = torch.zeros(new long[] {s, rank}, doubleLike(hs));
    if (kept > 0) {
      out.narrow(1, 0, kept).copy_(eig.get1().narrow(1, s - kept, kept).flip(1)); // descending
    }
    return out;
  }

  /**
   * Writes task k's basis into {@code block}: the top-{@code rank} singular vectors of
   * R = H - U U^T H, made exactly orthogonal to U, round-off directions zeroed. Returns it as
   * s x rank float64.
   */
  private static Tensor residualBasis(Tensor h, Tensor u, double total, long rank, boolean right,
      BasisRefresh.Method method, long seed, Tensor block) {
    Tensor r = h.sub(u.mm(u.t().mm(h)));
    r = r.sub(u.mm(u.t().mm(r))); // twice: U is float32-orthonormal, one pass leaves ~1e-7 |H| along it
    Tensor rLayout = (right ? r.t() : r).to(torch.ScalarType.Float).contiguous(); // m x n, as BasisRefresh takes it
    BasisRefresh.refresh(rLayout, rank, method, BasisRefresh.Options.defaults(seed), block);
    Tensor own = shortSide(block, right); // s x rank float64
    Tensor strength = own.t().mm(r).square().sum(new long[] {1}, false, new ScalarTypeOptional()).sqrt(); // sigma_j
    Tensor keep = strength.gt(new Scalar(TASK_FLOOR * total)).to(torch.ScalarType.Double);
    own = own.mul(keep.unsqueeze(0));
    own = own.sub(u.mm(u.t().mm(own))); // removes the float32 SVD's leak into U (~eps |R| / sigma_j)
    Tensor norms = own.square().sum(new long[] {0}, true, new ScalarTypeOptional()).sqrt();
    own = own.div(norms.clamp_min(new Scalar(Double.MIN_NORMAL))); // zero columns stay zero
    block.copy_(right ? own.t() : own);
    return own;
  }

  private static TensorOptions doubleLike(Tensor like) {
    return new TensorOptions(torch.ScalarType.Double).device(new DeviceOptional(like.device()));
  }

  private static double[] hostDoubles(Tensor t) {
    Tensor host = t.to(torch.ScalarType.Double).cpu().contiguous();
    double[] out = new double[(int) host.numel()];
    new DoublePointer(host.data_ptr_double()).get(out);
    return out;
  }
}
