package org.gemsj.optim;

/**
 * What happens to a subspace's Adam moments when its basis is refreshed.
 *
 * <p>The moments are coordinates in the old basis. KEEP reuses them as coordinates in the new
 * basis (the reference code and GaLore do this), which applies stale momentum along unrelated
 * directions whenever the subspace turns. REPROJECT (the default) maps them into the new basis
 * with C = B_new B_old^T: the first moment exactly (m' = C m, the projection of the full-space
 * momentum), the second moment by the squared map, raised where needed to the first moment's
 * square: v' = max((C o C) v, (bc2 / bc1^2) m'^2), i.e. v_hat' >= m_hat'^2 in the bias-corrected
 * terms Adam steps with (bc = 1 - beta^t over the t steps taken; late in training the factor is
 * ~1 and the rule is v' = max((C o C) v, m'^2)). The squared map alone keeps v non-negative and
 * is exact when the basis only permutes or flips directions, but it drops the cross terms that m'
 * keeps, so |m_hat'| / sqrt(v_hat') reached 2-3.5 right after a refresh: a step several times
 * Adam's usual size. With the floor no coordinate's first step after a refresh exceeds lr alpha
 * (eps aside). RESET zeroes them.
 *
 * <p>Bias correction uses the optimizer's global step. After RESET (and for new directions that
 * REPROJECT maps to zero moments) that correction is too weak, so the first updates in those
 * directions are larger than Adam's usual ~lr: m/sqrt(v) is about 3x at one step after the
 * reset and about 6x at ten steps, falling back over a few hundred steps (beta2 = 0.999).
 */
public enum MomentPolicy {
  KEEP,
  REPROJECT,
  RESET
}
