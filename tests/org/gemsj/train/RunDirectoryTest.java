package org.gemsj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OUT's layout as docs/TRAINING.md documents it, and when a run counts as checkpointed. */
class RunDirectoryTest {
  @TempDir Path out;

  @Test
  void layoutAndCheckpointStep() throws Exception {
    RunDirectory run = new RunDirectory(out);
    assertEquals(out.resolve("train_config.json"), run.config());
    assertEquals(out.resolve("checkpoint/state.json"), run.checkpointState());
    assertEquals(out.resolve("model"), run.model());
    assertEquals(out.resolve("train_log.jsonl"), run.trainLog());
    assertEquals(out.resolve("metrics.json"), run.metrics());
    assertTrue(run.runFiles().containsAll(java.util.List.of(run.config(), run.checkpoint(), run.model(), run.trainLog(),
        run.metrics(), run.report(), run.conflictLog())));

    assertEquals(OptionalLong.empty(), run.checkpointStep(), "nothing there");
    Files.createDirectories(run.checkpoint());
    Files.writeString(run.checkpointState(), "{\"step\":250}");
    assertEquals(OptionalLong.empty(), run.checkpointStep(), "a checkpoint without the run's config");
    Files.writeString(run.config(), "{}");
    assertEquals(OptionalLong.of(250), run.checkpointStep());
    Files.write(run.checkpointState(), new byte[0]);
    assertEquals(OptionalLong.empty(), run.checkpointStep(), "an empty state.json is no checkpoint");
    Files.writeString(run.checkpointState(), "{\"step\":500}");
    Files.move(run.checkpoint(), out.resolve("checkpoint.old")); // a crash between replaceDirectory's renames
    assertEquals(OptionalLong.of(500), run.checkpointStep(), "the previous copy is put back");
    assertTrue(run.metricsJson().isEmpty());
    Files.writeString(run.metrics(), "{\"test\":{}}");
    assertEquals("{\"test\":{}}", run.metricsJson().orElseThrow());
  }

  /**
   * startFresh takes every run file, leftovers of an interrupted replacement included, and
   * nothing else, and leaves the new configuration in place of the old one.
   */
  @Test
  void startFreshDeletesTheRunsFilesOnlyAndReplacesTheConfig() throws Exception {
    RunDirectory run = new RunDirectory(out);
    Files.createDirectories(out.resolve("checkpoint.old"));
    Files.writeString(out.resolve("checkpoint.old/state.json"), "{\"step\":3}");
    Files.writeString(run.config(), "{}");
    Files.writeString(run.metrics(), "{}");
    Files.createDirectories(out.resolve("data"));
    Files.writeString(out.resolve("data/items.jsonl"), "{}");
    assertTrue(run.anyRunFile().isPresent());
    TrainConfig config = TrainConfig.builder(out.resolve("data"), out).steps(7).config();
    run.startFresh(config);
    assertEquals(java.util.Optional.of(run.config()), run.anyRunFile(), "only the new config is left");
    assertEquals(7, run.readConfig().steps());
    assertTrue(!Files.exists(out.resolve("checkpoint.old")) && !Files.exists(run.metrics()));
    assertTrue(Files.exists(out.resolve("data/items.jsonl")), "a dataset inside OUT stays");
  }
}
