package org.gemsj.optim;

/** What the optimizer does with the targeted 2-D weights; everything else always gets AdamW. */
public enum Method {
  /** Three subspaces (shared, search, recommendation), adaptive gates, optional null space. */
  GEMS,
  /** One shared subspace of the mixed gradient: GaLore, the single-subspace baseline. */
  GALORE,
  /** Plain AdamW on every parameter: the full fine-tuning baseline. */
  ADAMW
}
