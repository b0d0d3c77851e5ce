package org.gemsj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.gemsj.backbone.Backbone;
import org.gemsj.backbone.BertConfig;
import org.gemsj.backbone.DirectoryBackbone;
import org.gemsj.backbone.TinyEncoderDirectory;
import org.gemsj.optim.Decomposition;
import org.gemsj.serve.proto.JobSpec;
import org.gemsj.train.TrainConfig;
import org.gemsj.train.TrainDefaults;
import org.gemsj.train.TrainMethod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spec validation: each bad field named; dataset paths confined to the data roots. */
class JobSpecsTest {
  @TempDir Path dir;

  private DataRoots roots() throws Exception {
    Files.createDirectories(dir.resolve("root/shop"));
    Files.createDirectories(dir.resolve("outside/secret"));
    return new DataRoots(List.of(dir.resolve("root")));
  }

  private SpecException invalid(JobSpec spec) throws Exception {
    return assertThrows(SpecException.class, () -> JobSpecs.validate(spec, roots()));
  }

  @Test
  void acceptsADatasetInsideTheRootAndMapsFieldsToTheConfig() throws Exception {
    JobSpec spec = JobSpecs.validate(JobSpec.newBuilder().setDatasetPath("shop").setMethod("gems").setSteps(7)
        .setSeed(0).setLr(1e-4).setNoNullSpace(true).build(), roots());
    Path real = dir.resolve("root/shop").toRealPath();
    assertEquals(real.toString(), spec.getDatasetPath());
    TrainConfig config = JobSpecs.config(spec, dir.resolve("out"), dir.resolve("cache"), roots().confinement());
    // the fields given, and the trainer's defaults for the rest: the same config `gems train` makes of them
    TrainConfig expected = TrainConfig.builder(real, dir.resolve("out")).cacheDir(dir.resolve("cache"))
        .method(TrainMethod.GEMS).steps(7).seed(0).lr(1e-4).noNullSpace(true).config();
    assertEquals(expected, config);
    assertEquals(7, config.steps());
    assertEquals(0, config.seed());
    assertEquals(1e-4, config.lr(), 0);
    assertTrue(config.noNullSpace());
    assertEquals(TrainDefaults.BATCH_SIZE, config.batchSize()); // 0 in the spec: the default
  }

  @Test
  void rejectsPathsThatEscapeTheRoots() throws Exception {
    assertEquals("spec.dataset_path", invalid(JobSpec.newBuilder().setDatasetPath("shop/../../outside/secret").build()).field());
    SpecException abs = invalid(JobSpec.newBuilder().setDatasetPath(dir.resolve("outside/secret").toString()).build());
    assertTrue(abs.getMessage().contains("outside the server's data roots"), abs.getMessage());
    // a symlink inside the root that points outside it
    Files.createSymbolicLink(dir.resolve("root/link"), dir.resolve("outside/secret"));
    SpecException link = invalid(JobSpec.newBuilder().setDatasetPath("link").build());
    assertTrue(link.getMessage().contains("outside the server's data roots"), link.getMessage());
    assertTrue(invalid(JobSpec.newBuilder().setDatasetPath("missing").build()).getMessage().contains("no such directory"));
    assertEquals("spec.dataset_path", invalid(JobSpec.getDefaultInstance()).field());
  }

  @Test
  void aBackboneDirectoryIsReadOnlyInsideTheRoots() throws Exception {
    DataRoots roots = roots();
    BertConfig shape = new BertConfig(1, 12, 2, 24, 30522, 64, 1e-12);
    Random r = new Random(System.nanoTime());
    Path mine = TinyEncoderDirectory.write(dir.resolve("root/encoders/mine"), shape, Backbone.Pooling.MEAN, r);
    JobSpec ok = JobSpec.newBuilder().setDatasetPath("shop").build();
    JobSpec spec = JobSpecs.validate(ok.toBuilder().setBackbone("encoders/mine").build(), roots);
    assertEquals(mine.toRealPath().toString(), spec.getBackbone(), "a relative directory is taken from the first root");
    TrainConfig config = JobSpecs.config(spec, dir.resolve("out"), dir.resolve("cache"), roots.confinement());
    assertEquals(mine.toRealPath(), ((DirectoryBackbone) config.model().backbone()).directory());

    Path elsewhere = TinyEncoderDirectory.write(dir.resolve("outside/encoder"), shape, Backbone.Pooling.MEAN, r);
    SpecException named = invalid(ok.toBuilder().setBackbone(elsewhere.toString()).build());
    assertEquals("spec.backbone", named.field());
    assertTrue(named.getMessage().contains("outside the server's data roots"), named.getMessage());
    Files.createSymbolicLink(dir.resolve("root/linked"), elsewhere);
    assertEquals("spec.backbone", invalid(ok.toBuilder().setBackbone("linked").build()).field());
    // a directory inside whose weights file links outside: refused as the file is opened
    Path sneaky = TinyEncoderDirectory.write(dir.resolve("root/encoders/sneaky"), shape, Backbone.Pooling.MEAN, r);
    Files.delete(sneaky.resolve("model.safetensors"));
    Files.createSymbolicLink(sneaky.resolve("model.safetensors"), elsewhere.resolve("model.safetensors"));
    SpecException linked = invalid(ok.toBuilder().setBackbone("encoders/sneaky").build());
    assertEquals("spec.backbone", linked.field());
    assertTrue(linked.getMessage().contains("model.safetensors resolves outside the data roots"), linked.getMessage());
  }

  @Test
  void namesTheInvalidField() throws Exception {
    JobSpec ok = JobSpec.newBuilder().setDatasetPath("shop").build();
    assertEquals("spec.method", invalid(ok.toBuilder().setMethod("sgd").build()).field());
    assertEquals("spec.backbone", invalid(ok.toBuilder().setBackbone("gpt").build()).field());
    assertEquals("spec.steps", invalid(ok.toBuilder().setSteps(-1).build()).field());
    assertEquals("spec.batch_size", invalid(ok.toBuilder().setBatchSize(100_000).build()).field());
    assertEquals("spec.lr", invalid(ok.toBuilder().setLr(Double.NaN).build()).field());
    assertEquals("spec.decoder_width", invalid(ok.toBuilder().setDecoderWidth(100).setDecoderHeads(6).build()).field());
    assertEquals("spec.decomposition", invalid(ok.toBuilder().setDecomposition("agreement").build()).field());
  }

  @Test
  void passesTheDecompositionOn() throws Exception {
    JobSpec spec = JobSpecs.validate(JobSpec.newBuilder().setDatasetPath("shop").setDecomposition("complementary")
        .build(), roots());
    assertEquals(Decomposition.COMPLEMENTARY,
        JobSpecs.config(spec, dir.resolve("out"), dir.resolve("cache"), roots().confinement()).decomposition());
    JobSpec plain = JobSpecs.validate(JobSpec.newBuilder().setDatasetPath("shop").build(), roots());
    assertEquals(Decomposition.REFERENCE, JobSpecs.config(plain, dir.resolve("out"), dir.resolve("cache"), roots().confinement()).decomposition());
  }
}
