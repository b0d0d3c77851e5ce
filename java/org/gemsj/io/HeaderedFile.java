package org.gemsj.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The framing GEMS-J's binary state files share: an 8-byte magic naming the kind of file, the
 * header length (4 bytes, big-endian), a JSON header describing what follows, then raw data.
 */
public final class HeaderedFile {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_HEADER = 64 << 20;

  private HeaderedFile() {}

  /** Writes magic, length and {@code json}. */
  public static void writeHeader(FileChannel out, byte[] magic, byte[] json) throws IOException {
    ByteBuffer head = ByteBuffer.allocate(magic.length + 4 + json.length);
    head.put(magic).putInt(json.length).put(json).flip();
    AtomicFiles.writeFully(out, head);
  }

  /**
   * Reads and checks the framing, leaving {@code in} at the first data byte. {@code kind} names
   * the file in errors ("GEMS optimizer state file").
   */
  public static JsonNode readHeader(Path file, FileChannel in, byte[] magic, String kind) throws IOException {
    ByteBuffer head = ByteBuffer.allocate(magic.length + 4);
    while (head.hasRemaining() && in.read(head) >= 0) {}
    head.flip();
    if (head.remaining() < magic.length + 4) {
      throw new IOException(file + ": too short for a " + kind);
    }
    byte[] found = new byte[magic.length];
    head.get(found);
    if (!Arrays.equals(found, magic)) {
      throw new IOException(file + ": not a " + kind + " (bad magic)");
    }
    int length = head.getInt();
    if (length <= 0 || length > MAX_HEADER) {
      throw new IOException(file + ": corrupt header length " + length);
    }
    ByteBuffer json = ByteBuffer.allocate(length);
    while (json.hasRemaining() && in.read(json) >= 0) {}
    if (json.hasRemaining()) {
      throw new IOException(file + ": truncated in its header");
    }
    try {
      return JSON.readTree(json.array());
    } catch (IOException e) {
      throw new IOException(file + ": header is not valid JSON: " + e.getMessage(), e);
    }
  }
}
