package org.gemsj.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.gemsj.backbone.Backbone;
import org.gemsj.io.Digests;
import org.gemsj.torch.Tensors;

/**
 * The pretrained encoder's embeddings of a catalogue's documents, cached on disk: embedding a
 * large catalogue costs more than a short run's training, and every run on the same data (a
 * study's methods and seeds, a restarted job) needs the same vectors. Keyed by the backbone (its
 * name and the digest of its files), the input length and the SHA-256 of the documents.
 */
final class ItemVectorCache {
  private static final String KEY = "item_vectors";

  private ItemVectorCache() {}

  /** Computes the vectors on a cache miss. */
  @FunctionalInterface
  interface Compute {
    float[][] get() throws IOException;
  }

  static float[][] get(Path cacheDir, Backbone backbone, int maxTokens, List<String> documents,
      Compute compute) throws IOException {
    if (cacheDir == null) {
      return compute.get();
    }
    String digest = Digests.sha256(String.join("\n", documents).getBytes(StandardCharsets.UTF_8));
    Path file = cacheDir.resolve("items-" + backbone.cacheKey() + "-t" + maxTokens + "-" + digest.substring(0, 16) + ".bin");
    if (Files.isRegularFile(file)) {
      try (PointerScope scope = new PointerScope()) {
        Tensor t = ParamFile.read(file).get(KEY);
        if (t != null && t.dim() == 2 && t.size(0) == documents.size()) {
          float[] flat = Tensors.toFloats(t);
          int d = (int) t.size(1);
          float[][] out = new float[documents.size()][];
          for (int i = 0; i < out.length; i++) {
            out[i] = java.util.Arrays.copyOfRange(flat, i * d, (i + 1) * d);
          }
          return out;
        }
      } catch (IOException damaged) {
        System.err.println("gems: ignoring unreadable item-vector cache " + file + ": " + damaged.getMessage());
      }
    }
    float[][] vectors = compute.get();
    Files.createDirectories(cacheDir);
    try (PointerScope scope = new PointerScope()) {
      ParamFile.write(file, Map.of(KEY, ModelFactory.matrix(vectors)));
    }
    return vectors;
  }
}
