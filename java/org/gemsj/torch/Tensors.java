package org.gemsj.torch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/** Small conveniences over bytedeco's libtorch API that the rest of GEMS-J shares. */
public final class Tensors {
  private Tensors() {}

  /** Options for a float32 tensor on the device of {@code like} (CPU when null). */
  public static TensorOptions float32Like(Tensor like) {
    TensorOptions options = new TensorOptions(torch.ScalarType.Float);
    return like == null ? options : options.device(new DeviceOptional(like.device()));
  }

  public static Tensor zeros(long[] shape, Tensor like) {
    return torch.zeros(shape, float32Like(like));
  }

  public static Tensor empty(long[] shape, Tensor like) {
    return torch.empty(shape, float32Like(like), new MemoryFormatOptional());
  }

  public static Scalar scalar(double v) {
    return new Scalar(v);
  }

  /** Frobenius norm as a double. */
  public static double norm(Tensor t) {
    try (Tensor n = t.norm()) {
      return n.item_double();
    }
  }

  public static long[] shape(Tensor t) {
    long[] s = new long[(int) t.dim()];
    for (int i = 0; i < s.length; i++) {
      s[i] = t.size(i);
    }
    return s;
  }

  public static String describe(Tensor t) {
    return java.util.Arrays.toString(shape(t)) + " " + t.scalar_type();
  }

  /** The float32 values of {@code t} (any device, any strides) as little-endian bytes. */
  public static byte[] toBytes(Tensor t) {
    try (Tensor host = t.to(torch.ScalarType.Float).cpu().contiguous()) {
      long count = host.numel();
      FloatPointer data = host.data_ptr_float();
      ByteBuffer buffer = data.capacity(count).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      byte[] out = new byte[Math.toIntExact(count * 4)];
      buffer.get(out);
      return out;
    }
  }

  /** Copies little-endian float32 bytes into {@code t} (same element count, any device). */
  public static void copyFromBytes(Tensor t, byte[] bytes) {
    if (bytes.length != t.numel() * 4) {
      throw new IllegalArgumentException(
          "expected " + t.numel() * 4 + " bytes for " + describe(t) + ", got " + bytes.length);
    }
    try (Tensor host = torch.empty(shape(t), float32Like(null), new MemoryFormatOptional())) {
      host.data_ptr_float().capacity(t.numel()).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN).put(bytes);
      t.copy_(host);
    }
  }
}
