package org.gemsj.backbone;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gemsj.io.AtomicFiles;

/**
 * Writes safetensors files from the format's description (not from the reader): an 8-byte header
 * length, the header's JSON padded with spaces to a multiple of 8 bytes as Hugging Face's writer
 * does, then each tensor's little-endian bytes in order. Written atomically.
 */
public final class SafeTensorsWriter {
  /** One tensor to write: its dtype and its raw little-endian bytes. */
  public record Entry(String name, String dtype, long[] shape, byte[] bytes) {}

  private SafeTensorsWriter() {}

  public static Entry f32(String name, Weight w) {
    ByteBuffer b = ByteBuffer.allocate(w.values().length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : w.values()) {
      b.putFloat(v);
    }
    return new Entry(name, "F32", w.shape(), b.array());
  }

  /** BF16 rounded to nearest even from float32 (what torch's .to(bfloat16) does for finite values). */
  public static Entry bf16(String name, Weight w) {
    ByteBuffer b = ByteBuffer.allocate(w.values().length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : w.values()) {
      int bits = Float.floatToRawIntBits(v);
      b.putShort((short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16));
    }
    return new Entry(name, "BF16", w.shape(), b.array());
  }

  public static void write(Path file, List<Entry> entries) throws IOException {
    Map<String, Object> header = new LinkedHashMap<>();
    header.put("__metadata__", Map.of("format", "pt"));
    long offset = 0;
    for (Entry e : entries) {
      header.put(e.name(), Map.of("dtype", e.dtype(), "shape", e.shape(), "data_offsets",
          new long[] {offset, offset + e.bytes().length}));
      offset += e.bytes().length;
    }
    StringBuilder json = new StringBuilder(new ObjectMapper().writeValueAsString(header));
    while (json.toString().getBytes(StandardCharsets.UTF_8).length % 8 != 0) {
      json.append(' ');
    }
    byte[] h = json.toString().getBytes(StandardCharsets.UTF_8);
    AtomicFiles.write(file, out -> {
      AtomicFiles.writeFully(out, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).flip());
      AtomicFiles.writeFully(out, ByteBuffer.wrap(h));
      for (Entry e : entries) {
        AtomicFiles.writeFully(out, ByteBuffer.wrap(e.bytes()));
      }
    });
  }
}
