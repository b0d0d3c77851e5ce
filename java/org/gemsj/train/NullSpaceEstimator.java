package org.gemsj.train;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.model.GenerativeModel;
import org.gemsj.backbone.BertEncoder;
import org.gemsj.backbone.TextTokenizer;
import org.gemsj.io.Digests;
import org.gemsj.model.ParamFile;
import org.gemsj.model.Params;
import org.gemsj.nativeops.NullSpace;
import org.gemsj.torch.Tensors;

/**
 * Finds, for each targeted weight of the pretrained encoder, the output directions that carry
 * general language knowledge: run the encoder over a general-domain corpus, form the second
 * moment C = mean(y yᵀ) of each Linear's outputs over real tokens, and protect the leading
 * eigenvectors holding the {@code energy} share of its trace. C is summed and split in float64:
 * it adds up tens of thousands of tokens' outer products, whose small eigenvalues float32 loses.
 * Cached per (backbone, corpus, energy, tokens), since it depends on nothing else; the backbone's
 * part of the key is its name and the digest of its files.
 */
public final class NullSpaceEstimator {
  /** The corpus that ships with GEMS-J (written for it; see resources/org/gemsj/knowledge). */
  public static final String DEFAULT_CORPUS = "/org/gemsj/knowledge/general-english.txt";

  private static final int BATCH = 32;

  private NullSpaceEstimator() {}

  /**
   * Protected bases K (m x k) by targeted weight name of {@code model}'s encoder, as pretrained
   * (call before training); reads the cache when it has them.
   */
  public static Map<String, Tensor> protectedBases(GenerativeModel model, Path corpus, double energy, Path cacheDir)
      throws IOException {
    BertEncoder encoder = model.encoder;
    int maxTokens = model.config.maxTokens();
    byte[] text = corpus == null ? defaultCorpus() : Files.readAllBytes(corpus);
    List<String> sentences = new String(text, StandardCharsets.UTF_8).lines().map(String::strip)
        .filter(s -> !s.isEmpty()).toList();
    if (sentences.size() < 10) {
      throw new IllegalArgumentException("knowledge corpus " + (corpus == null ? DEFAULT_CORPUS : corpus)
          + " has " + sentences.size() + " non-empty lines; need at least 10");
    }
    Path cache = cacheDir.resolve("nullspace-" + model.config.backbone().cacheKey() + "-" + Digests.sha256(text).substring(0, 16) + "-e"
        + energy + "-t" + maxTokens + "-f64.bin"); // -f64: estimates summed in float32 are not reused
    if (Files.isRegularFile(cache)) {
      try {
        Params cached = ParamFile.read(cache);
        if (cached.names().containsAll(encoder.targetedNames())) {
          return new LinkedHashMap<>(cached.asMap());
        }
      } catch (IOException damaged) {
        System.err.println("gems: ignoring unreadable null-space cache " + cache + ": " + damaged.getMessage());
      }
    }
    Map<String, Tensor> bases = estimate(encoder, model.tokenizer(), sentences, energy);
    ParamFile.write(cache, bases);
    return bases;
  }

  static Map<String, Tensor> estimate(BertEncoder encoder, TextTokenizer tokenizer, List<String> sentences,
      double energy) {
    Map<String, Tensor> moments = new HashMap<>();
    long[] tokens = {0};
    try (NoGradGuard g = new NoGradGuard()) {
      for (int start = 0; start < sentences.size(); start += BATCH) {
        try (PointerScope scope = new PointerScope()) {
          TextTokenizer.Batch batch = tokenizer.encode(sentences.subList(start, Math.min(sentences.size(), start + BATCH)));
          Tensor rows = batch.mask().view(-1).nonzero().view(-1);
          tokens[0] += rows.size(0);
          encoder.setActivationHook((name, y) -> {
            Tensor flat = y.reshape(-1, y.size(-1)).index_select(0, rows).to(torch.ScalarType.Double);
            Tensor c = flat.t().mm(flat);
            Tensor sum = moments.get(name);
            if (sum == null) {
              moments.put(name, Tensors.keep(c));
            } else {
              sum.add_(c);
            }
          });
          encoder.forward(batch.ids(), batch.mask(), batch.types(), 0);
        } finally {
          encoder.setActivationHook(null);
        }
      }
    }
    Map<String, Tensor> bases = new LinkedHashMap<>();
    for (String name : encoder.targetedNames()) {
      try (PointerScope scope = new PointerScope()) {
        Tensor c = moments.get(name).div(new Scalar(tokens[0]));
        try (NullSpace.Split split = NullSpace.split(c, NullSpace.Rule.ENERGY, energy, 0.05)) {
          bases.put(name, Tensors.keep(split.protectedBasis().contiguous().clone()));
        }
      }
    }
    moments.values().forEach(Tensor::releaseReference); // kept across batches only
    return bases;
  }

  private static byte[] defaultCorpus() throws IOException {
    try (InputStream in = NullSpaceEstimator.class.getResourceAsStream(DEFAULT_CORPUS)) {
      if (in == null) {
        throw new IOException("the default knowledge corpus " + DEFAULT_CORPUS + " is not on the classpath");
      }
      return in.readAllBytes();
    }
  }

}
