package org.gemsj.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.gemsj.io.AtomicFiles;
import org.gemsj.torch.Tensors;

/**
 * Model weights on disk: "GEMSPAR1", a JSON header (names and shapes, in order), then each
 * tensor's float32 values, little-endian. Written atomically.
 */
public final class ParamFile {
  private static final byte[] MAGIC = "GEMSPAR1".getBytes(StandardCharsets.US_ASCII);
  private static final ObjectMapper JSON = new ObjectMapper();

  private ParamFile() {}

  public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
    ObjectNode header = JSON.createObjectNode();
    ArrayNode list = header.putArray("tensors");
    tensors.forEach((name, t) -> {
      ObjectNode e = list.addObject();
      e.put("name", name);
      e.putPOJO("shape", Tensors.shape(t));
    });
    byte[] json = JSON.writeValueAsBytes(header);
    AtomicFiles.write(file, out -> {
      ByteBuffer head = ByteBuffer.allocate(MAGIC.length + 4 + json.length);
      head.put(MAGIC).putInt(json.length).put(json).flip();
      AtomicFiles.writeFully(out, head);
      for (Tensor t : tensors.values()) {
        Tensors.write(t, out);
      }
    });
  }

  /** Reads every tensor into a new {@link Params} (in file order). */
  public static Params read(Path file) throws IOException {
    Params params = new Params();
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer head = ByteBuffer.allocate(MAGIC.length + 4);
      readFully(in, head, file);
      head.flip();
      byte[] magic = new byte[MAGIC.length];
      head.get(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new IOException(file + ": not a GEMS-J weight file (bad magic)");
      }
      int length = head.getInt();
      if (length <= 0 || length > (64 << 20)) {
        throw new IOException(file + ": corrupt header length " + length);
      }
      ByteBuffer json = ByteBuffer.allocate(length);
      readFully(in, json, file);
      JsonNode header = JSON.readTree(json.array());
      for (JsonNode e : header.path("tensors")) {
        String name = e.path("name").asText();
        long[] shape = new long[e.path("shape").size()];
        for (int i = 0; i < shape.length; i++) {
          shape[i] = e.path("shape").get(i).asLong();
        }
        try (Tensor t = Tensors.empty(shape, null)) {
          Tensors.read(t, in);
          params.add(name, t);
        } catch (java.io.EOFException eof) {
          throw new IOException(file + ": truncated in tensor '" + name + "'", eof);
        }
      }
      if (in.position() != in.size()) {
        throw new IOException(file + ": " + (in.size() - in.position()) + " unexpected bytes after the last tensor");
      }
    }
    return params;
  }

  private static void readFully(FileChannel in, ByteBuffer b, Path file) throws IOException {
    while (b.hasRemaining()) {
      if (in.read(b) < 0) {
        throw new IOException(file + ": truncated header");
      }
    }
  }
}
