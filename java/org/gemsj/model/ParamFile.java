package org.gemsj.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.gemsj.io.AtomicFiles;
import org.gemsj.io.HeaderedFile;
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
      HeaderedFile.writeHeader(out, MAGIC, json);
      for (Tensor t : tensors.values()) {
        Tensors.write(t, out);
      }
    });
  }

  /** Reads every tensor into a new {@link Params} (in file order). */
  public static Params read(Path file) throws IOException {
    Params params = new Params();
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      JsonNode header = HeaderedFile.readHeader(file, in, MAGIC, "GEMS-J weight file");
      for (JsonNode e : header.path("tensors")) {
        String name = e.path("name").asText();
        long[] shape = new long[e.path("shape").size()];
        for (int i = 0; i < shape.length; i++) {
          shape[i] = e.path("shape").get(i).asLong();
        }
        try (Tensor t = Tensors.empty(shape, null)) {
          Tensors.read(t, in);
          params.add(name, t);
        } catch (EOFException eof) {
          throw new IOException(file + ": truncated in tensor '" + name + "'", eof);
        }
      }
      if (in.position() != in.size()) {
        throw new IOException(file + ": " + (in.size() - in.position()) + " unexpected bytes after the last tensor");
      }
    }
    return params;
  }
}
