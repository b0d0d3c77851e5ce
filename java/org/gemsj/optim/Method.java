package org.gemsj.optim;

/**
 * What the optimizer does with the targeted 2-D weights; everything else always gets AdamW. The
 * optimizer's own choice, below the run's: {@code train.TrainMethod} (gems, galore, lora, full)
 * maps onto it in {@code train.Adaptation} (LoRA's adapters and full fine-tuning both take ADAMW).
 */
public enum Method {
  /** Three subspaces (shared, search, recommendation), adaptive gates, optional null space. */
  GEMS,
  /** One shared subspace of the mixed gradient: GaLore, the single-subspace baseline. */
  GALORE,
  /** Plain AdamW on every parameter: the full fine-tuning baseline. */
  ADAMW
}
