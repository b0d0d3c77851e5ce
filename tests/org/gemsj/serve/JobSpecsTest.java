package org.gemsj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.gemsj.serve.proto.JobSpec;
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
  void acceptsADatasetInsideTheRootAndMapsFieldsToTrainOptions() throws Exception {
    JobSpec spec = JobSpecs.validate(JobSpec.newBuilder().setDatasetPath("shop").setMethod("gems").setSteps(7)
        .setSeed(0).setLr(1e-4).setNoNullSpace(true).build(), roots());
    Path real = dir.resolve("root/shop").toRealPath();
    assertEquals(real.toString(), spec.getDatasetPath());
    List<String> args = JobSpecs.trainArgs(spec, dir.resolve("out"), dir.resolve("cache"));
    assertEquals(List.of("train", "--data", real.toString(), "--out", dir.resolve("out").toString(), "--cache-dir",
        dir.resolve("cache").toString(), "--overwrite", "--method", "gems", "--steps", "7", "--seed", "0", "--lr",
        "1.0E-4", "--no-null-space"), args);
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
    List<String> args = JobSpecs.trainArgs(spec, dir.resolve("out"), dir.resolve("cache"));
    int at = args.indexOf("--decomposition");
    assertTrue(at > 0 && args.get(at + 1).equals("complementary"), args.toString());
    JobSpec plain = JobSpecs.validate(JobSpec.newBuilder().setDatasetPath("shop").build(), roots());
    assertTrue(!JobSpecs.trainArgs(plain, dir.resolve("out"), dir.resolve("cache")).contains("--decomposition"));
  }
}
