package org.gemsj.backbone;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.gemsj.io.FileConfinement;

/**
 * Reads a Hugging Face {@code .safetensors} file: an 8-byte little-endian header length N, N
 * bytes of JSON ({@code name -> {dtype, shape, data_offsets: [begin, end]}}, plus an optional
 * {@code __metadata__} of strings), then the tensors' bytes, little-endian, row-major, at those
 * offsets from the end of the header. F32, F16 and BF16 tensors become float32; anything the file
 * gets wrong is refused naming the file and the tensor. Only the tensors asked for are read, so a
 * file's other entries (an int64 {@code position_ids} buffer, a task head) cost nothing.
 */
public final class SafeTensors implements WeightFile {
  /** The header's size limit (the format's own reference reader uses 100 MB). */
  static final long MAX_HEADER_BYTES = 100L << 20;

  private final Path file;
  private final FileChannel channel;
  private final Map<String, JsonNode> tensors = new LinkedHashMap<>(); // the header's entries, in file order
  private final long dataStart, dataBytes;

  private SafeTensors(Path file, FileChannel channel) throws IOException {
    this.file = file;
    this.channel = channel;
    long size = channel.size();
    if (size < 8) {
      throw new IOException(file + ": " + size + " bytes, too short for a safetensors file (an 8-byte header length "
          + "comes first)");
    }
    long headerBytes = readFully(channel, 0, 8, file).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (headerBytes <= 0 || headerBytes > MAX_HEADER_BYTES || headerBytes > size - 8) {
      throw new IOException(file + ": the header length " + Long.toUnsignedString(headerBytes) + " does not fit a "
          + "file of " + size + " bytes (at most " + MAX_HEADER_BYTES + "): not a safetensors file?");
    }
    JsonNode header;
    try {
      header = new ObjectMapper().readTree(readFully(channel, 8, (int) headerBytes, file).array());
    } catch (IOException e) {
      throw new IOException(file + ": the header is not JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
    }
    if (header == null || !header.isObject()) {
      throw new IOException(file + ": the header is not a JSON object of tensors");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getKey().equals("__metadata__")) {
        tensors.put(e.getKey(), e.getValue());
      }
    }
    dataStart = 8 + headerBytes;
    dataBytes = size - dataStart;
  }

  /** Opens a file and reads its header; tensors are read on demand. */
  public static SafeTensors open(Path file) throws IOException {
    return open(file, FileConfinement.NONE);
  }

  /** As {@link #open(Path)}, opening the file through {@code files}. */
  public static SafeTensors open(Path file, FileConfinement files) throws IOException {
    FileChannel channel = files.channel(file);
    try {
      return new SafeTensors(file, channel);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /** The tensors' names, in the header's order. */
  @Override
  public Set<String> names() {
    return Collections.unmodifiableSet(tensors.keySet());
  }

  /** The named tensor as float32 (from F32, F16 or BF16); refused with the file and tensor named when bad. */
  @Override
  public Weight read(String name) throws IOException {
    JsonNode t = tensors.get(name);
    if (t == null) {
      throw new IOException(file + ": no tensor '" + name + "'");
    }
    return read(entry(name, t));
  }

  /** The named tensor's shape, its header entry checked (dtype, offsets) without reading its data. */
  @Override
  public long[] shape(String name) throws IOException {
    JsonNode t = tensors.get(name);
    if (t == null) {
      throw new IOException(file + ": no tensor '" + name + "'");
    }
    return entry(name, t).shape().clone();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  /** A header entry, checked: its data lies at [begin, end) of the tensor data. */
  private record Entry(String name, String dtype, long[] shape, int count, long begin, long end) {}

  private Entry entry(String name, JsonNode t) throws IOException {
    String where = file + ": tensor '" + name + "'";
    if (!t.isObject() || !t.path("dtype").isTextual() || !t.path("shape").isArray()
        || !t.path("data_offsets").isArray() || t.path("data_offsets").size() != 2) {
      throw new IOException(where + ": needs \"dtype\" (a string), \"shape\" (an array) and \"data_offsets\" "
          + "([begin, end]), got " + t);
    }
    String dtype = t.get("dtype").asText();
    int width = switch (dtype) {
      case "F32" -> 4;
      case "F16", "BF16" -> 2;
      default -> throw new IOException(where + ": dtype " + dtype + " is not supported (F32, F16 or BF16)");
    };
    long[] shape = new long[t.get("shape").size()];
    long count = 1;
    for (int i = 0; i < shape.length; i++) {
      JsonNode d = t.get("shape").get(i);
      if (!d.canConvertToLong() || d.asLong() < 0) {
        throw new IOException(where + ": shape " + t.get("shape") + " holds " + d + ", not a size");
      }
      shape[i] = d.asLong();
      try {
        count = Math.multiplyExact(count, shape[i]);
        Math.multiplyExact(count, width);
      } catch (ArithmeticException e) {
        throw new IOException(where + ": shape " + t.get("shape") + " holds more values than any file can");
      }
    }
    JsonNode b = t.get("data_offsets").get(0), e = t.get("data_offsets").get(1);
    if (!b.canConvertToLong() || !e.canConvertToLong()) {
      throw new IOException(where + ": data_offsets " + t.get("data_offsets") + " are not byte offsets");
    }
    long begin = b.asLong(), end = e.asLong();
    if (begin < 0 || end < begin || end > dataBytes) {
      throw new IOException(where + ": data_offsets [" + begin + ", " + end + "] lie outside the " + dataBytes
          + " bytes of tensor data");
    }
    if (end - begin != count * width) {
      throw new IOException(where + ": data_offsets [" + begin + ", " + end + "] hold " + (end - begin) + " bytes, but "
          + dtype + " of shape " + Arrays.toString(shape) + " needs " + count * width);
    }
    if (end - begin > Integer.MAX_VALUE - 8) { // read through one buffer; an encoder's largest tensor is far smaller
      throw new IOException(where + ": " + (end - begin) + " bytes, more than the 2 GiB one tensor may hold here");
    }
    return new Entry(name, dtype, shape, (int) count, begin, end);
  }

  private Weight read(Entry e) throws IOException {
    ByteBuffer raw = readFully(channel, dataStart + e.begin(), (int) (e.end() - e.begin()), file)
        .order(ByteOrder.LITTLE_ENDIAN);
    float[] values = new float[e.count()];
    switch (e.dtype()) {
      case "F32" -> raw.asFloatBuffer().get(values);
      case "BF16" -> {
        for (int i = 0; i < values.length; i++) {
          values[i] = Float.intBitsToFloat((raw.getShort() & 0xffff) << 16); // bf16: float32's top half
        }
      }
      default -> {
        for (int i = 0; i < values.length; i++) {
          values[i] = halfToFloat(raw.getShort());
        }
      }
    }
    return new Weight(values, e.shape());
  }

  /** IEEE 754 binary16 to float32 (exact: every half is a float). */
  static float halfToFloat(short h) {
    int sign = (h & 0x8000) << 16, exponent = (h >>> 10) & 0x1f, mantissa = h & 0x3ff;
    if (exponent == 0x1f) { // infinity or NaN, payload kept
      return Float.intBitsToFloat(sign | 0x7f800000 | mantissa << 13);
    }
    if (exponent == 0) { // zero or subnormal: mantissa x 2^-24
      float magnitude = mantissa * 0x1p-24f;
      return sign == 0 ? magnitude : -magnitude;
    }
    return Float.intBitsToFloat(sign | (exponent + 112) << 23 | mantissa << 13); // rebias 15 -> 127
  }

  private static ByteBuffer readFully(FileChannel channel, long position, int length, Path file) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(length);
    while (buf.hasRemaining()) {
      if (channel.read(buf, position + buf.position()) < 0) {
        throw new IOException(file + ": ends at byte " + (position + buf.position()) + ", inside the data it declares");
      }
    }
    return buf.flip();
  }
}
