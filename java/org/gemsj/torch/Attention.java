package org.gemsj.torch;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Scaled dot-product attention over already projected queries, keys and values. */
public final class Attention {
  /** Added to the scores of keys that must not be attended to. */
  public static final double MASKED = -1e9;

  private Attention() {}

  /**
   * softmax(q kᵀ / sqrt(d) + bias) v per head: q [B, Tq, H*d], k and v [B, Tk, H*d] or
   * [1, Tk, H*d] (one memory shared by all queries, broadcast instead of copied), bias
   * broadcastable to [B, heads, Tq, Tk]; returns [B, Tq, H*d].
   */
  public static Tensor attend(Tensor q, Tensor k, Tensor v, Tensor bias, int heads, double dropout) {
    long b = q.size(0), tq = q.size(1), tk = k.size(1), width = q.size(2), hd = width / heads;
    Tensor qh = q.view(b, tq, heads, hd).transpose(1, 2);
    Tensor kh = k.view(k.size(0), tk, heads, hd).transpose(1, 2);
    Tensor vh = v.view(v.size(0), tk, heads, hd).transpose(1, 2);
    Tensor scores = qh.matmul(kh.transpose(-1, -2)).mul(new Scalar(1.0 / Math.sqrt(hd)));
    if (bias != null) {
      scores = scores.add(bias);
    }
    Tensor probs = torch.dropout(scores.softmax(-1), dropout, dropout > 0);
    return probs.matmul(vh).transpose(1, 2).reshape(b, tq, width);
  }

  /** [B, 1, 1, T] bias from a key mask [B, T] (1 = attend, 0 = padding). */
  public static Tensor paddingBias(Tensor mask) {
    return mask.to(torch.ScalarType.Float).sub(new Scalar(1.0)).mul(new Scalar(-MASKED))
        .view(mask.size(0), 1, 1, mask.size(1));
  }

  /** [T, T] bias that hides later positions (causal self-attention). */
  public static Tensor causalBias(long t) {
    return torch.full(new long[] {t, t}, new Scalar(MASKED)).triu(1);
  }
}
