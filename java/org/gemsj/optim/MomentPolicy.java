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
 */
public enum MomentPolicy {
  KEEP,
  REPROJECT,
  RESET
}
