package org.gemsj.torch;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;
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

  /** The cosine of two same-shaped tensors as flat vectors; NaN when either is zero. */
  public static double cosine(Tensor a, Tensor b) {
    double na = norm(a), nb = norm(b);
    if (na == 0 || nb == 0) {
      return Double.NaN;
    }
    try (PointerScope scope = new PointerScope()) {
      return a.flatten().dot(b.flatten()).item_double() / (na * nb);
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
    return Arrays.toString(shape(t)) + " " + t.scalar_type();
  }

  /**
   * Detaches a long-lived tensor (optimizer state) from any PointerScope the caller has open,
   * so closing that scope does not free it; the garbage collector frees it with its owner.
   */
  public static Tensor keep(Tensor t) {
    t.retainReference();
    return t;
  }

  /** A new CPU float32 tensor holding a copy of {@code data} in the given shape. */
  public static Tensor fromFloats(float[] data, long... shape) {
    Tensor t = torch.empty(shape, float32Like(null), new MemoryFormatOptional());
    checkCount(t, data.length);
    new FloatPointer(t.data_ptr_float()).put(data);
    return t;
  }

  /** A new CPU float64 tensor holding a copy of {@code data} in the given shape. */
  public static Tensor fromDoubles(double[] data, long... shape) {
    Tensor t = torch.empty(shape, new TensorOptions(torch.ScalarType.Double), new MemoryFormatOptional());
    checkCount(t, data.length);
    new DoublePointer(t.data_ptr_double()).put(data);
    return t;
  }

  /** A new CPU int64 tensor holding a copy of {@code data} in the given shape. */
  public static Tensor fromLongs(long[] data, long... shape) {
    Tensor t = torch.empty(shape, new TensorOptions(torch.ScalarType.Long), new MemoryFormatOptional());
    checkCount(t, data.length);
    new LongPointer(t.data_ptr_long()).put(data);
    return t;
  }

  private static void checkCount(Tensor t, long count) {
    if (t.numel() != count) {
      t.close();
      throw new IllegalArgumentException(count + " values do not fill a tensor of " + describe(t));
    }
  }

  /** The values of {@code t} (any device, dtype, strides) as float32, in row-major order. */
  public static float[] toFloats(Tensor t) {
    try (PointerScope scope = new PointerScope()) {
      Tensor host = t.detach().to(torch.ScalarType.Float).cpu().contiguous();
      float[] out = new float[(int) host.numel()];
      new FloatPointer(host.data_ptr_float()).get(out);
      return out;
    }
  }

  /** The values of an integer tensor as longs, in row-major order. */
  public static long[] toLongs(Tensor t) {
    try (PointerScope scope = new PointerScope()) {
      Tensor host = t.detach().to(torch.ScalarType.Long).cpu().contiguous();
      long[] out = new long[(int) host.numel()];
      new LongPointer(host.data_ptr_long()).get(out);
      return out;
    }
  }

  private static final long CHUNK = 64L << 20;

  /** Writes the float32 values of {@code t} (any device, any strides), little-endian. */
  public static void write(Tensor t, WritableByteChannel out) throws IOException {
    try (PointerScope scope = new PointerScope()) {
      Tensor host = t.to(torch.ScalarType.Float).cpu().contiguous();
      BytePointer bytes = new BytePointer(host.data_ptr_float());
      long total = host.numel() * 4;
      for (long offset = 0; offset < total; offset += CHUNK) {
        ByteBuffer buffer = bytes.position(offset).limit(Math.min(total, offset + CHUNK)).asByteBuffer();
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
      }
    }
  }

  /** Reads exactly numel(t) little-endian float32 values into the contiguous CPU tensor {@code t}. */
  public static void read(Tensor t, ReadableByteChannel in) throws IOException {
    if (t.is_cuda() || !t.is_contiguous()) {
      throw new IllegalArgumentException("read() fills a contiguous CPU tensor, got " + describe(t));
    }
    try (PointerScope scope = new PointerScope()) {
      BytePointer bytes = new BytePointer(t.data_ptr_float());
      long total = t.numel() * 4;
      for (long offset = 0; offset < total; offset += CHUNK) {
        ByteBuffer buffer = bytes.position(offset).limit(Math.min(total, offset + CHUNK)).asByteBuffer();
        while (buffer.hasRemaining()) {
          if (in.read(buffer) < 0) {
            throw new EOFException("end of data after " + (offset + buffer.position()) + " of " + total + " bytes");
          }
        }
      }
    }
  }
}
