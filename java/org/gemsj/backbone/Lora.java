package org.gemsj.backbone;

import org.bytedeco.pytorch.Tensor;

/**
 * A LoRA adapter on one Linear: y = W x + b + (alpha / r) B A dropout(x), with A (r x in,
 * random) and B (out x r, zero) so training starts from the pretrained function.
 */
public record Lora(Tensor a, Tensor b, double scale, double dropout) {}
