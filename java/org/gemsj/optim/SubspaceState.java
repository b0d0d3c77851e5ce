package org.gemsj.optim;

import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.nativeops.BasisRefresh;
import org.gemsj.nativeops.FusedStep;
import org.gemsj.torch.Tensors;

/**
 * GEMS state of one targeted weight (m x n): the concatenated basis (shared, search, rec), the
 * rank-major Adam moments, and the optional null-space basis. Layout as in {@link FusedStep}.
 */
final class SubspaceState {
  final String name;
  final Tensor weight;
  final long m;
  final long n;
  final boolean right;
  final long rankShared;
  final long rankTask;
  final Tensor basis;
  final Tensor expAvg;
  final Tensor expAvgSq;
  Tensor nullBasis;
  long refreshes;

  SubspaceState(String name, Tensor weight, long rankShared, long rankTask) {
    this.name = name;
    this.weight = weight;
    this.m = weight.size(0);
    this.n = weight.size(1);
    this.right = m >= n;
    long full = Math.min(m, n);
    this.rankShared = Math.min(rankShared, full);
    this.rankTask = Math.min(rankTask, full);
    long total = this.rankShared + 2 * this.rankTask;
    this.basis = Tensors.keep(Tensors.zeros(right ? new long[] {total, n} : new long[] {m, total}, weight));
    this.expAvg = Tensors.keep(Tensors.zeros(new long[] {total, Math.max(m, n)}, weight));
    this.expAvgSq = Tensors.keep(Tensors.zeros(new long[] {total, Math.max(m, n)}, weight));
  }

  /** The tensors that make up the persistent state, by key (the null basis is set by the caller). */
  List<Tensor> persistent() {
    return List.of(basis, expAvg, expAvgSq);
  }

  long stateBytes() {
    return 4 * (basis.numel() + expAvg.numel() + expAvgSq.numel());
  }

  private long offset(int block) {
    return block == 0 ? 0 : block == 1 ? rankShared : rankShared + rankTask;
  }

  private long rank(int block) {
    return block == 0 ? rankShared : rankTask;
  }

  private Tensor basisBlock(int block) {
    return right ? basis.narrow(0, offset(block), rank(block)) : basis.narrow(1, offset(block), rank(block));
  }

  /**
   * New bases from this step's gradients {@code grads} = (shared, search, rec; an absent task's is
   * null), projected off the protected directions first, then the moments carried over by
   * {@code policy}. REFERENCE: each block is the top SVD of its own gradient (an absent task's
   * follows the shared gradient); returns the lowest captured-energy fraction among the blocks.
   * COMPLEMENTARY: {@link ComplementaryBases}; without task subspaces (r_task = 0) it is
   * REFERENCE, i.e. GaLore, since there is nothing for the shared basis to be complementary to.
   */
  double refresh(Tensor[] grads, Decomposition decomposition, BasisRefresh.Method method, MomentPolicy policy, long seed,
      double momentFloor) {
    BasisRefresh.Method how = method.forShape(m, n);
    Tensor[] old = new Tensor[3];
    for (int block = 0; block < 3; block++) {
      if (rank(block) > 0 && policy == MomentPolicy.REPROJECT && refreshes > 0) {
        old[block] = basisBlock(block).clone();
      }
    }
    double lowest = decomposition == Decomposition.COMPLEMENTARY && rankTask > 0
        ? ComplementaryBases.refresh(grads[1], grads[2], nullBasis,
            new Tensor[] {basisBlock(0), basisBlock(1), basisBlock(2)}, right, how, seed)
        : referenceBases(grads, how, seed);
    for (int block = 0; block < 3; block++) {
      if (rank(block) > 0) {
        carryMoments(block, old[block], policy, momentFloor);
      }
    }
    refreshes++;
    return lowest;
  }

  private double referenceBases(Tensor[] grads, BasisRefresh.Method how, long seed) {
    double lowest = 1.0;
    for (int block = 0; block < 3; block++) {
      if (rank(block) == 0) {
        continue;
      }
      Tensor g = grads[block] != null ? grads[block] : grads[0];
      if (nullBasis != null) {
        g = g.sub(nullBasis.mm(nullBasis.t().mm(g)));
      }
      double energy = BasisRefresh.refresh(g, rank(block), how, BasisRefresh.Options.defaults(seed * 31 + block),
          basisBlock(block));
      lowest = Math.min(lowest, energy);
    }
    return lowest;
  }

  /**
   * Moments of {@code block} after its basis changed from {@code old} (null: first refresh or not
   * REPROJECT); {@code floor} = bc2 / bc1^2 of the steps taken, so that v' >= floor m'^2 is
   * v_hat' >= m_hat'^2 ({@link MomentPolicy}).
   */
  private void carryMoments(int block, Tensor old, MomentPolicy policy, double floor) {
    Tensor mBlock = expAvg.narrow(0, offset(block), rank(block));
    Tensor vBlock = expAvgSq.narrow(0, offset(block), rank(block));
    if (old != null) {
      Tensor fresh = basisBlock(block);
      Tensor change = right ? fresh.mm(old.t()) : fresh.t().mm(old); // coordinates old -> new
      mBlock.copy_(change.mm(mBlock));
      vBlock.copy_(torch.maximum(change.square().mm(vBlock), mBlock.square().mul(Tensors.scalar(floor))));
    } else if (policy == MomentPolicy.RESET) {
      mBlock.zero_();
      vBlock.zero_();
    }
  }

  /**
   * A task's part of the update this step applied, as the change of the weight it causes (up to
   * the step's common factor lr alpha (1 - beta1) / bc1): the task's gradient off the protected
   * directions, in each block's coordinates, weighted as the op weights it (shared block by the
   * sample share, the task's block by its gate), divided by Adam's denominator sqrt(v_hat) + eps
   * of the moments the step left, mapped back, and off the protected directions again. Adam is
   * linear in this step's gradient once the denominator is fixed, so the two tasks' parts sum to
   * the step's new contribution to the first moment's update.
   */
  Tensor appliedContribution(Tensor g, double share, int block, double gate, double bc2, double eps) {
    Tensor p = nullBasis == null ? g : g.sub(nullBasis.mm(nullBasis.t().mm(g)));
    Tensor out = preconditioned(p, 0, share, bc2, eps);
    if (rankTask > 0) {
      out = out.add(preconditioned(p, block, gate, bc2, eps));
    }
    return nullBasis == null ? out : out.sub(nullBasis.mm(nullBasis.t().mm(out)));
  }

  private Tensor preconditioned(Tensor g, int block, double weight, double bc2, double eps) {
    Tensor b = basisBlock(block);
    Tensor coords = right ? b.mm(g.t()) : b.t().mm(g); // rank x max(m, n): the moments' layout
    Tensor v = expAvgSq.narrow(0, offset(block), rank(block));
    Tensor scaled = coords.mul(Tensors.scalar(weight)).div(v.div(Tensors.scalar(bc2)).sqrt().add(Tensors.scalar(eps)));
    return right ? scaled.t().mm(b) : b.mm(scaled);
  }

  void step(FusedStep.Task search, FusedStep.Task rec, long step, FusedStep.Hyper hyper) {
    FusedStep.apply(weight, contiguous(search), contiguous(rec), basis, rankShared, rankTask, expAvg, expAvgSq,
        step, hyper, nullBasis);
  }

  /** The op reads gradients as dense row-major memory; autograd's usually are already. */
  private static FusedStep.Task contiguous(FusedStep.Task t) {
    return t.grad() == null || t.grad().is_contiguous() ? t : new FusedStep.Task(t.grad().contiguous(), t.count(), t.gate());
  }
}
