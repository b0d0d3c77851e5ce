package org.gemsj.optim;

/**
 * What happens to a subspace's Adam moments when its basis is refreshed.
 *
 * <p>The moments are coordinates in the old basis. KEEP reuses them as coordinates in the new
 * basis (the reference code and GaLore do this), which applies stale momentum along unrelated
 * directions whenever the subspace turns. REPROJECT (the default) maps them into the new basis
 * with C = B_new B_old^T: the first moment exactly (m' = C m, the projection of the full-space
 * momentum), the second moment by the squared map (v' = (C o C) v), which keeps it non-negative
 * and is exact when the basis only permutes or flips directions. RESET zeroes them.
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
