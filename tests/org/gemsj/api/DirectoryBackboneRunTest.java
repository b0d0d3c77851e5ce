package org.gemsj.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.gemsj.backbone.Backbone;
import org.gemsj.backbone.BertConfig;
import org.gemsj.backbone.DirectoryBackbone;
import org.gemsj.backbone.TinyEncoderDirectory;
import org.gemsj.data.Dataset;
import org.gemsj.data.Example;
import org.gemsj.data.Splitter;
import org.gemsj.data.synth.SyntheticData;
import org.gemsj.eval.MetricsDoc;
import org.gemsj.model.GenerativeModel;
import org.gemsj.model.ModelStore;
import org.gemsj.train.TrainListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run whose backbone is a Hugging Face directory: the run and its saved model record the
 * directory and its digest, the caches are keyed by that digest, and the saved model loads and
 * answers the same once the directory is gone.
 */
class DirectoryBackboneRunTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  @Test
  void aRunFromADirectoryRecordsItAndItsModelNeedsItNoMore() throws Exception {
    Random r = new Random(System.nanoTime());
    Path encoder = TinyEncoderDirectory.write(dir.resolve("my-encoder"), new BertConfig(2, 12, 2, 24, 30522, 64, 1e-12),
        Backbone.Pooling.CLS, r);
    Path data = dir.resolve("data"), out = dir.resolve("out"), cache = dir.resolve("cache");
    SyntheticData.generate(data, 3, new SyntheticData.Options(40, 30, 8));
    GemsTrainer trainer = GemsTrainer.builder(data, out).backbone(encoder.toString()).steps(6).batchSize(8).seed(5)
        .historyLength(3).maxTokens(32).decoderFfn(64).rankShared(4).rankTask(2).refreshInterval(3).evalEvery(6)
        .validLimit(10).cacheDir(cache).build();
    DirectoryBackbone backbone = (DirectoryBackbone) trainer.config().model().backbone();
    MetricsDoc doc = trainer.run(new TrainListener() {});

    String abs = encoder.toAbsolutePath().toString();
    assertEquals(abs, doc.backbone(), "metrics.json names the directory");
    JsonNode run = JSON.readTree(out.resolve("train_config.json").toFile()).path("model").path("backbone");
    JsonNode saved = JSON.readTree(out.resolve("model/config.json").toFile()).path("backbone");
    for (JsonNode b : List.of(run, saved)) {
      assertEquals(abs, b.path("directory").asText(), b.toString());
      assertEquals(backbone.sha256(), b.path("sha256").asText(), b.toString());
      assertEquals("cls", b.path("pooling").asText(), b.toString());
    }
    try (Stream<Path> files = Files.list(cache)) { // item vectors and null-space bases, keyed by the digest
      List<String> names = files.map(p -> p.getFileName().toString()).toList();
      String key = "hf-" + backbone.sha256().substring(0, 16);
      assertTrue(names.stream().anyMatch(n -> n.startsWith("items-" + key)), names.toString());
      assertTrue(names.stream().anyMatch(n -> n.startsWith("nullspace-" + key)), names.toString());
    }

    List<String> texts = List.of("time travel robots", "a quiet film about the sea", "x");
    float[][] before;
    try (GenerativeModel m = ModelStore.load(out.resolve("model"))) {
      before = m.embed(texts);
    }
    try (Stream<Path> files = Files.walk(encoder)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    assertTrue(!Files.exists(encoder));
    try (GenerativeModel m = ModelStore.load(out.resolve("model"))) {
      assertEquals(Backbone.Pooling.CLS, m.config.backbone().pooling());
      float[][] after = m.embed(texts);
      for (int i = 0; i < texts.size(); i++) {
        assertArrayEquals(before[i], after[i], 0f, "the saved tokenizer and weights, not the directory's");
      }
      Example query = Splitter.split(Dataset.load(data), 3).test().get(0);
      assertEquals(5, m.topK(query, 5, 8).size());
    }
  }
}
