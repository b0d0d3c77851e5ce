package org.gemsj.backbone;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The safetensors reader against the format's description: dtypes, offsets, and every refusal. */
class SafeTensorsTest {
  @TempDir Path dir;

  /** Every binary16 value against the closed form (-1)^s 2^(e-15) (1 + m/1024), subnormals 2^-14 m/1024. */
  @Test
  void everyHalfDecodesToItsValue() {
    for (int h = 0; h < 65536; h++) {
      int s = h >>> 15, e = (h >>> 10) & 31, m = h & 1023;
      float got = SafeTensors.halfToFloat((short) h);
      if (e == 31) {
        assertTrue(m == 0 ? Float.isInfinite(got) : Float.isNaN(got), Integer.toHexString(h));
        continue;
      }
      double want = (s == 1 ? -1 : 1) * (e == 0 ? Math.scalb(m / 1024.0, -14) : Math.scalb(1 + m / 1024.0, e - 15));
      assertEquals(want, got, 0.0, Integer.toHexString(h));
      assertEquals(s == 1, (Float.floatToRawIntBits(got) >>> 31) == 1, "sign of " + Integer.toHexString(h));
    }
  }

  @Test
  void readsF32F16AndBf16AtTheirOffsets() throws IOException {
    Random r = new Random(System.nanoTime());
    int rows = 1 + r.nextInt(5), cols = 1 + r.nextInt(7);
    float[] values = new float[rows * cols];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) r.nextGaussian() * 10;
    }
    Weight w = new Weight(values, new long[] {rows, cols});
    short[] halves = {0x3c00, (short) 0xc000, 0x7bff, 0x0001, (short) 0x8000, 0x3555};
    float[] halfValues = {1f, -2f, 65504f, 0x1p-24f, -0f, 0.333251953125f};
    ByteBuffer hb = ByteBuffer.allocate(halves.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (short h : halves) {
      hb.putShort(h);
    }
    Path file = dir.resolve("t.safetensors");
    SafeTensorsWriter.write(file, List.of(SafeTensorsWriter.bf16("b", w), SafeTensorsWriter.f32("a", w),
        new SafeTensorsWriter.Entry("h", "F16", new long[] {2, 3}, hb.array()),
        new SafeTensorsWriter.Entry("scalar", "F32", new long[] {}, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN)
            .putFloat(-7.25f).array())));
    try (SafeTensors t = SafeTensors.open(file)) {
      assertEquals(List.of("b", "a", "h", "scalar"), List.copyOf(t.names()), "__metadata__ is not a tensor");
      Weight a = t.read("a");
      assertArrayEquals(values, a.values());
      assertArrayEquals(new long[] {rows, cols}, a.shape());
      Weight b = t.read("b");
      for (int i = 0; i < values.length; i++) { // bf16 keeps 8 significant bits: within 2^-8 relative
        assertEquals(values[i], b.values()[i], Math.abs(values[i]) * 0x1p-8, "bf16 value " + i);
      }
      Weight h = t.read("h");
      assertArrayEquals(halfValues, h.values());
      assertArrayEquals(new long[] {2, 3}, h.shape());
      assertArrayEquals(new float[] {-7.25f}, t.read("scalar").values());
      assertMessage("no tensor 'nope'", () -> t.read("nope"));
    }
  }

  @Test
  void refusesBadFilesNamingTheFileAndTensor() throws IOException {
    Path file = dir.resolve("bad.safetensors");
    Files.write(file, new byte[] {1, 2, 3});
    assertMessage("bad.safetensors: 3 bytes, too short", () -> SafeTensors.open(file));
    Files.write(file, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1_000).array());
    assertMessage("the header length 1000 does not fit a file of 16 bytes", () -> SafeTensors.open(file));
    writeHeader(file, "[1, 2]", 0);
    assertMessage("the header is not a JSON object", () -> SafeTensors.open(file));
    writeHeader(file, "{\"x\": ", 0);
    assertMessage("the header is not JSON", () -> SafeTensors.open(file));

    writeHeader(file, "{\"w\": {\"dtype\": \"I64\", \"shape\": [2], \"data_offsets\": [0, 16]}}", 16);
    assertMessage("tensor 'w': dtype I64 is not supported (F32, F16 or BF16)", () -> readOne(file, "w"));
    writeHeader(file, "{\"w\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", 8);
    assertMessage("tensor 'w': data_offsets [0, 8] hold 8 bytes, but F32 of shape [3] needs 12", () -> readOne(file, "w"));
    writeHeader(file, "{\"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 12);
    assertMessage("tensor 'w': data_offsets [0, 16] lie outside the 12 bytes of tensor data", () -> readOne(file, "w"));
    writeHeader(file, "{\"w\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", 4);
    assertMessage("tensor 'w': shape [-1] holds -1, not a size", () -> readOne(file, "w"));
    writeHeader(file, "{\"w\": {\"dtype\": \"BF16\", \"shape\": [4294967296, 4294967296], \"data_offsets\": [0, 4]}}", 4);
    assertMessage("tensor 'w': shape [4294967296,4294967296] holds more values than any file can", () -> readOne(file, "w"));
    writeHeader(file, "{\"w\": {\"dtype\": \"F32\", \"shape\": [1]}}", 4);
    assertMessage("tensor 'w': needs \"dtype\"", () -> readOne(file, "w"));
  }

  /** A file of a raw header (padded to 8 bytes) and {@code data} bytes of nonzero noise. */
  private static void writeHeader(Path file, String header, int data) throws IOException {
    StringBuilder h = new StringBuilder(header);
    while (h.length() % 8 != 0) {
      h.append(' ');
    }
    byte[] noise = new byte[data];
    new Random().nextBytes(noise);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length() + data).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length()).put(h.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII)).put(noise);
    Files.write(file, b.array());
  }

  private static Weight readOne(Path file, String name) throws IOException {
    try (SafeTensors t = SafeTensors.open(file)) {
      return t.read(name);
    }
  }

  interface Io {
    Object run() throws IOException;
  }

  static void assertMessage(String part, Io body) {
    IOException e = assertThrows(IOException.class, body::run);
    assertTrue(e.getMessage().contains(part), "expected '" + part + "' in: " + e.getMessage());
  }
}
