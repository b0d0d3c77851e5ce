package org.gemsj.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.gemsj.backbone.BundledBackbone;
import org.gemsj.backbone.BertEncoder;
import org.gemsj.backbone.TextTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cached item embeddings equal freshly computed ones; a changed catalogue or a damaged file is recomputed. */
class ItemVectorCacheTest {
  @TempDir Path cache;

  @Test
  void cachedVectorsEqualComputedOnesAndOtherCataloguesMiss() throws IOException {
    Random r = new Random(5);
    List<String> docs = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      docs.add("item " + r.nextInt(1000) + " (" + (i % 2 == 0 ? "kitchen" : "garden") + ")");
    }
    BertEncoder encoder = BundledBackbone.MINILM.read().encoder(new Params(), "encoder.");
    AtomicInteger computed = new AtomicInteger();
    ItemVectorCache.Compute compute = () -> {
      computed.incrementAndGet();
      try (TextTokenizer t = new TextTokenizer(BundledBackbone.MINILM.tokenizerJson(), 24)) {
        return TextEmbedder.embed(encoder, t, BundledBackbone.MINILM.pooling(), docs);
      }
    };
    float[][] first = ItemVectorCache.get(cache, BundledBackbone.MINILM, 24, docs, compute);
    float[][] second = ItemVectorCache.get(cache, BundledBackbone.MINILM, 24, docs, compute);
    assertEquals(1, computed.get(), "the second call reads the cache");
    for (int i = 0; i < docs.size(); i++) {
      assertArrayEquals(first[i], second[i]); // float32 round trip: bit-exact
    }
    ItemVectorCache.get(cache, BundledBackbone.MINILM, 32, docs, compute); // another input length: another key
    assertEquals(2, computed.get());
    try (var files = Files.list(cache)) {
      for (Path f : files.toList()) {
        Files.write(f, new byte[] {1, 2, 3}); // damaged: ignored and rewritten
      }
    }
    float[][] again = ItemVectorCache.get(cache, BundledBackbone.MINILM, 24, docs, compute);
    assertEquals(3, computed.get());
    assertArrayEquals(first[4], again[4]);
  }
}
