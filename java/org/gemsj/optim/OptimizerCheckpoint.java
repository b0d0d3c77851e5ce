package org.gemsj.optim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.gemsj.torch.Tensors;

/**
 * The optimizer state file: "GEMSOPT1", a JSON header (format version, config, step, and each
 * tensor's owner, role and shape in order), then every tensor's float32 values, little-endian.
 * Written to a temp file beside the target, fsynced, then renamed over it, so a crash leaves
 * either the old file or the new one. The randomized refresh draws from seeds derived from the
 * config seed and the refresh count, so step, config and state restore the RNG exactly.
 */
final class OptimizerCheckpoint {
  private static final byte[] MAGIC = "GEMSOPT1".getBytes(StandardCharsets.US_ASCII);
  private static final int FORMAT = 1;
  private static final ObjectMapper JSON = new ObjectMapper();

  private OptimizerCheckpoint() {}

  private record Entry(String owner, String role, Tensor tensor) {}

  private static List<Entry> entries(GemsOptimizer opt) {
    List<Entry> out = new ArrayList<>();
    for (SubspaceState s : opt.subspaces()) {
      out.add(new Entry(s.name, "basis", s.basis));
      out.add(new Entry(s.name, "exp_avg", s.expAvg));
      out.add(new Entry(s.name, "exp_avg_sq", s.expAvgSq));
      if (s.nullBasis != null) {
        out.add(new Entry(s.name, "null_basis", s.nullBasis));
      }
    }
    for (AdamWState a : opt.adamwStates()) {
      out.add(new Entry(a.name, "adamw_exp_avg", a.expAvg));
      out.add(new Entry(a.name, "adamw_exp_avg_sq", a.expAvgSq));
    }
    return out;
  }

  static void write(Path file, GemsOptimizer opt) throws IOException {
    ObjectNode header = JSON.createObjectNode();
    header.put("format", FORMAT);
    header.set("config", JSON.valueToTree(opt.config()));
    header.put("step", opt.stepCount());
    ArrayNode tensors = header.putArray("tensors");
    List<Entry> entries = entries(opt);
    for (SubspaceState s : opt.subspaces()) {
      header.with("refreshes").put(s.name, s.refreshes);
    }
    for (Entry e : entries) {
      ObjectNode t = tensors.addObject();
      t.put("owner", e.owner());
      t.put("role", e.role());
      t.putPOJO("shape", Tensors.shape(e.tensor()));
    }
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
    try {
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
          OutputStream raw = Channels.newOutputStream(channel);
          DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(raw, 1 << 20))) {
        byte[] json = JSON.writeValueAsBytes(header);
        out.write(MAGIC);
        out.writeInt(json.length);
        out.write(json);
        for (Entry e : entries) {
          out.write(Tensors.toBytes(e.tensor()));
        }
        out.flush();
        channel.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  static void read(Path file, GemsOptimizer opt) throws IOException {
    try (InputStream raw = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw, 1 << 20))) {
      byte[] magic = new byte[MAGIC.length];
      in.readFully(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new IOException(file + ": not a GEMS optimizer state file (bad magic)");
      }
      int length = in.readInt();
      if (length <= 0 || length > (64 << 20)) {
        throw new IOException(file + ": corrupt header length " + length);
      }
      byte[] json = new byte[length];
      in.readFully(json);
      JsonNode header = JSON.readTree(json);
      if (header.path("format").asInt() != FORMAT) {
        throw new IOException(file + ": unsupported format " + header.path("format"));
      }
      GemsConfig savedConfig = JSON.treeToValue(header.get("config"), GemsConfig.class);
      if (!savedConfig.equals(opt.config())) {
        throw new IOException(file + ": saved with a different optimizer config: saved "
            + savedConfig + ", this optimizer " + opt.config());
      }
      // Read and check everything before touching the optimizer, so a bad file changes nothing.
      List<SubspaceState> subspaces = opt.subspaces();
      List<Entry> expected = new ArrayList<>();
      for (Entry e : entries(opt)) {
        if (!e.role().equals("null_basis")) {
          expected.add(e);
        }
      }
      List<byte[]> values = new ArrayList<>();
      List<JsonNode> nullBases = new ArrayList<>();
      List<byte[]> nullValues = new ArrayList<>();
      int next = 0;
      for (JsonNode t : header.get("tensors")) {
        long[] shape = JSON.convertValue(t.get("shape"), long[].class);
        long count = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        byte[] bytes = new byte[Math.toIntExact(count * 4)];
        String what = t.get("owner").asText() + "/" + t.get("role").asText();
        if (t.get("role").asText().equals("null_basis")) {
          nullBases.add(t);
          nullValues.add(bytes);
        } else {
          Entry e = next < expected.size() ? expected.get(next++) : null;
          if (e == null || !t.get("owner").asText().equals(e.owner()) || !t.get("role").asText().equals(e.role())
              || !Arrays.equals(shape, Tensors.shape(e.tensor()))) {
            throw new IOException(file + ": holds " + what + " " + Arrays.toString(shape) + ", which does not match "
                + (e == null ? "any tensor" : e.owner() + "/" + e.role() + " " + Arrays.toString(Tensors.shape(e.tensor())))
                + " of this optimizer");
          }
          values.add(bytes);
        }
        try {
          in.readFully(bytes);
        } catch (EOFException eof) {
          throw new IOException(file + ": truncated in tensor " + what, eof);
        }
      }
      if (next != expected.size()) {
        throw new IOException(file + ": holds " + next + " state tensors, this optimizer has " + expected.size());
      }
      for (int i = 0; i < expected.size(); i++) {
        Tensors.copyFromBytes(expected.get(i).tensor(), values.get(i));
      }
      for (int i = 0; i < nullBases.size(); i++) {
        String owner = nullBases.get(i).get("owner").asText();
        long[] shape = JSON.convertValue(nullBases.get(i).get("shape"), long[].class);
        for (SubspaceState s : subspaces) {
          if (s.name.equals(owner)) {
            s.nullBasis = Tensors.zeros(shape, s.weight);
            Tensors.copyFromBytes(s.nullBasis, nullValues.get(i));
          }
        }
      }
      for (SubspaceState s : subspaces) {
        s.refreshes = header.path("refreshes").path(s.name).asLong(0);
      }
      opt.restoreStep(header.get("step").asLong());
    }
  }
}
