package org.gemsj.backbone;

/** A pretrained weight as read from a file: row-major float32 values and their shape. */
public record Weight(float[] values, long[] shape) {}
