package org.gemsj.optim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.gemsj.io.AtomicFiles;
import org.gemsj.io.HeaderedFile;
import org.gemsj.torch.Tensors;

/**
 * The optimizer state file: "GEMSOPT1", the header length (4 bytes, big-endian), a JSON header
 * (format, config, step, each weight's refresh count, and each tensor's owner, role and shape
 * in order), then every tensor's float32 values in native (little-endian) byte order.
 *
 * <p>Written to a temp file beside the target, fsynced, renamed over it, and the directory
 * fsynced, so a crash leaves either the old file or the new one. Read in full into staging
 * tensors and checked (header, layout, file size) before anything in the optimizer changes.
 * The randomized refresh draws from seeds derived from the config seed and the refresh counts,
 * so step, counts and config restore the RNG exactly.
 */
final class OptimizerCheckpoint {
  private static final byte[] MAGIC = "GEMSOPT1".getBytes(StandardCharsets.US_ASCII);
  private static final int FORMAT = 1;
  private static final ObjectMapper JSON = new ObjectMapper();

  private OptimizerCheckpoint() {}

  private record Entry(String owner, String role, Tensor tensor) {}

  /** The state tensors in file order; null bases only where set. */
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
    RunningGates gates = opt.runningGates();
    if (gates != null) {
      for (int w = 0; w < opt.subspaces().size(); w++) {
        out.add(new Entry(opt.subspaces().get(w).name, "gate_previous_search", gates.previous[w][0]));
        out.add(new Entry(opt.subspaces().get(w).name, "gate_previous_rec", gates.previous[w][1]));
      }
    }
    return out;
  }

  static void write(Path file, GemsOptimizer opt) throws IOException {
    ObjectNode header = JSON.createObjectNode();
    header.put("format", FORMAT);
    header.set("config", JSON.valueToTree(opt.config()));
    header.put("step", opt.stepCount());
    ObjectNode refreshes = header.putObject("refreshes");
    for (SubspaceState s : opt.subspaces()) {
      refreshes.put(s.name, s.refreshes);
    }
    if (opt.runningGates() != null) {
      header.set("running_gates", JSON.valueToTree(RunningGateScalars.of(opt.runningGates())));
    }
    ArrayNode tensors = header.putArray("tensors");
    List<Entry> entries = entries(opt);
    for (Entry e : entries) {
      ObjectNode t = tensors.addObject();
      t.put("owner", e.owner());
      t.put("role", e.role());
      t.putPOJO("shape", Tensors.shape(e.tensor()));
    }
    byte[] json = JSON.writeValueAsBytes(header);
    AtomicFiles.write(file, out -> {
      HeaderedFile.writeHeader(out, MAGIC, json);
      for (Entry e : entries) {
        Tensors.write(e.tensor(), out);
      }
    });
  }

  static void read(Path file, GemsOptimizer opt) throws IOException {
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
        PointerScope scope = new PointerScope()) {
      JsonNode header = readHeader(file, in);
      long headerEnd = in.position();
      GemsConfig saved;
      try {
        saved = JSON.treeToValue(field(file, header, "config"), GemsConfig.class);
      } catch (IOException | RuntimeException e) {
        throw new IOException(file + ": unreadable config in the header: " + e.getMessage(), e);
      }
      if (!saved.equals(opt.config())) {
        throw new IOException(file + ": saved with another optimizer config; differs in " + differences(saved, opt.config()));
      }
      long step = field(file, header, "step").asLong(-1);
      if (step < 0) {
        throw new IOException(file + ": header field 'step' must be >= 0");
      }
      Map<String, Long> refreshes = new HashMap<>();
      for (SubspaceState s : opt.subspaces()) {
        JsonNode r = field(file, header, "refreshes").get(s.name);
        if (r == null || !r.canConvertToLong() || r.asLong() < 0) {
          throw new IOException(file + ": header field 'refreshes' lacks a count for '" + s.name + "'");
        }
        refreshes.put(s.name, r.asLong());
      }

      RunningGateScalars gateScalars = null;
      if (opt.runningGates() != null) {
        try {
          gateScalars = JSON.treeToValue(field(file, header, "running_gates"), RunningGateScalars.class);
          gateScalars.check(opt.subspaces().size());
        } catch (IOException | RuntimeException e) {
          throw new IOException(file + ": header field 'running_gates' is unreadable: " + e.getMessage(), e);
        }
      }

      // The layout the file must have: this optimizer's tensors, with the file's null bases.
      Map<String, SubspaceState> byName = new HashMap<>();
      opt.subspaces().forEach(s -> byName.put(s.name, s));
      Map<String, long[]> nullShapes = new HashMap<>();
      List<JsonNode> listed = new ArrayList<>();
      field(file, header, "tensors").forEach(listed::add);
      for (JsonNode t : listed) {
        if ("null_basis".equals(t.path("role").asText())) {
          String owner = t.path("owner").asText();
          SubspaceState s = byName.get(owner);
          if (s == null) {
            throw new IOException(file + ": null basis for unknown weight '" + owner + "'");
          }
          long[] shape = shapeOf(file, t);
          if (shape.length != 2 || shape[0] != s.m || shape[1] > s.m) {
            throw new IOException(file + ": null basis of '" + owner + "' has shape " + Arrays.toString(shape)
                + ", expected " + s.m + " x k with k <= " + s.m);
          }
          nullShapes.put(owner, shape);
        }
      }
      List<Slot> expected = new ArrayList<>();
      for (Entry e : entries(opt)) {
        if (e.role().equals("null_basis")) {
          continue;
        }
        expected.add(new Slot(e.owner(), e.role(), Tensors.shape(e.tensor()), e.tensor()));
        if (e.role().equals("exp_avg_sq") && nullShapes.containsKey(e.owner())) {
          expected.add(new Slot(e.owner(), "null_basis", nullShapes.get(e.owner()), null));
        }
      }
      if (listed.size() != expected.size()) {
        throw new IOException(file + ": lists " + listed.size() + " tensors, this optimizer needs " + expected.size());
      }
      long bytes = 0;
      for (int i = 0; i < expected.size(); i++) {
        JsonNode t = listed.get(i);
        Slot slot = expected.get(i);
        long[] shape = shapeOf(file, t);
        if (!t.path("owner").asText().equals(slot.owner()) || !t.path("role").asText().equals(slot.role())
            || !Arrays.equals(shape, slot.shape())) {
          throw new IOException(file + ": tensor " + i + " is " + t + ", expected " + slot.owner() + "/"
              + slot.role() + " " + Arrays.toString(slot.shape()));
        }
        bytes += 4 * Arrays.stream(shape).reduce(1, (a, b) -> a * b);
      }
      if (in.size() != headerEnd + bytes) {
        throw new IOException(file + ": is " + in.size() + " bytes, its header describes " + (headerEnd + bytes)
            + (in.size() < headerEnd + bytes ? " (truncated)" : " (trailing data)"));
      }

      // Stage every tensor off-heap, then apply.
      List<Tensor> staged = new ArrayList<>();
      for (Slot slot : expected) {
        Tensor t = Tensors.empty(slot.shape(), null);
        Tensors.read(t, in);
        staged.add(t);
      }
      byName.values().forEach(s -> s.nullBasis = null);
      for (int i = 0; i < expected.size(); i++) {
        Slot slot = expected.get(i);
        Tensor source = staged.get(i);
        if (slot.target() == null) {
          SubspaceState s = byName.get(slot.owner());
          s.nullBasis = Tensors.keep(source.to(s.weight.device(), source.scalar_type()).clone());
        } else {
          slot.target().copy_(source);
        }
      }
      byName.values().forEach(s -> s.refreshes = refreshes.get(s.name));
      if (gateScalars != null) {
        gateScalars.applyTo(opt.runningGates());
      }
      opt.restoreStep(step);
    }
  }

  /** The running gates' numbers (their previous gradients are tensors of the file). */
  record RunningGateScalars(double[] loss, long[] lossSteps, double[] firstLoss, double[] count, long countSteps,
      double[][] signal, long[][] signalSteps, boolean[][] held) {
    static RunningGateScalars of(RunningGates g) {
      return new RunningGateScalars(g.loss, g.lossSteps, g.firstLoss, g.count, g.countSteps, g.signal, g.signalSteps,
          g.held);
    }

    void check(int weights) {
      if (loss.length != 2 || lossSteps.length != 2 || firstLoss.length != 2 || count.length != 2
          || signal.length != weights || signalSteps.length != weights || held.length != weights) {
        throw new IllegalArgumentException("expected 2 tasks and " + weights + " weights");
      }
    }

    void applyTo(RunningGates g) {
      for (int k = 0; k < 2; k++) {
        g.loss[k] = loss[k];
        g.lossSteps[k] = lossSteps[k];
        g.firstLoss[k] = firstLoss[k];
        g.count[k] = count[k];
        for (int w = 0; w < signal.length; w++) {
          g.signal[w][k] = signal[w][k];
          g.signalSteps[w][k] = signalSteps[w][k];
          g.held[w][k] = held[w][k];
        }
      }
      g.countSteps = countSteps;
    }
  }

  /** One tensor the file must hold: where it goes ({@code target} is null for a null basis). */
  private record Slot(String owner, String role, long[] shape, Tensor target) {}

  private static JsonNode readHeader(Path file, FileChannel in) throws IOException {
    JsonNode header = HeaderedFile.readHeader(file, in, MAGIC, "GEMS optimizer state file");
    if (field(file, header, "format").asInt() != FORMAT) {
      throw new IOException(file + ": unsupported format " + header.get("format") + " (this build reads " + FORMAT + ")");
    }
    return header;
  }

  private static JsonNode field(Path file, JsonNode node, String name) throws IOException {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      throw new IOException(file + ": header lacks the field '" + name + "'");
    }
    return v;
  }

  private static long[] shapeOf(Path file, JsonNode tensor) throws IOException {
    JsonNode shape = field(file, tensor, "shape");
    long[] out = new long[shape.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = shape.get(i).asLong(-1);
      if (out[i] < 0) {
        throw new IOException(file + ": tensor " + tensor + " has a bad shape");
      }
    }
    return out;
  }

  /** The names of the config components that differ. */
  private static String differences(GemsConfig a, GemsConfig b) {
    List<String> names = new ArrayList<>();
    for (RecordComponent c : GemsConfig.class.getRecordComponents()) {
      try {
        if (!Objects.equals(c.getAccessor().invoke(a), c.getAccessor().invoke(b))) {
          names.add(c.getName() + " (saved " + c.getAccessor().invoke(a) + ", here " + c.getAccessor().invoke(b) + ")");
        }
      } catch (ReflectiveOperationException e) {
        names.add(c.getName());
      }
    }
    return String.join(", ", names);
  }
}
