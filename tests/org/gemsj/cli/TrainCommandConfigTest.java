package org.gemsj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Random;
import org.gemsj.backbone.Backbone;
import org.gemsj.backbone.BertConfig;
import org.gemsj.backbone.BundledBackbone;
import org.gemsj.backbone.DirectoryBackbone;
import org.gemsj.backbone.TinyEncoderDirectory;
import org.gemsj.train.TrainConfig;
import org.gemsj.train.TrainMethod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `gems train` options map onto GemsTrainer's builder: the documented defaults, the demo preset, overrides. */
class TrainCommandConfigTest {
  private static TrainConfig parse(String... args) throws Exception {
    TrainCommand command = new TrainCommand();
    new CommandLine(command).parseArgs(args);
    return command.config();
  }

  @Test
  void backboneIsABundledNameOrAnEncoderDirectory(@TempDir Path dir) throws Exception {
    assertEquals(BundledBackbone.MINILM, parse("--data", "d", "--out", "o").model().backbone());
    assertEquals(BundledBackbone.BGE_SMALL, parse("--data", "d", "--out", "o", "--backbone", "bge-small").model()
        .backbone());
    Path encoder = TinyEncoderDirectory.write(dir.resolve("enc"), new BertConfig(1, 12, 2, 24, 30522, 64, 1e-12),
        Backbone.Pooling.CLS, new Random(System.nanoTime()));
    DirectoryBackbone b = (DirectoryBackbone) parse("--data", "d", "--out", "o", "--backbone", encoder.toString())
        .model().backbone();
    assertEquals(encoder.toAbsolutePath(), b.directory());
    assertEquals(Backbone.Pooling.CLS, b.pooling());
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> parse("--data", "d", "--out", "o", "--backbone", "bert-large"));
    assertEquals("--backbone 'bert-large' is neither a bundled encoder (minilm or bge-small) nor a directory",
        e.getMessage());
  }

  @Test
  void decomposition() throws Exception {
    TrainConfig plain = parse("--data", "d", "--out", "o");
    assertEquals(org.gemsj.optim.Decomposition.REFERENCE, plain.decomposition());
    assertEquals("gems", plain.name());
    TrainConfig complementary = parse("--data", "d", "--out", "o", "--decomposition", "complementary");
    assertEquals(org.gemsj.optim.Decomposition.COMPLEMENTARY, complementary.decomposition());
    assertEquals("gems --decomposition complementary", complementary.name());
    IllegalArgumentException bad = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> parse("--data", "d", "--out", "o", "--decomposition", "shared"));
    assertEquals("--decomposition must be reference or complementary, got 'shared'", bad.getMessage());
    for (String[] without : new String[][] {{"--method", "lora"}, {"--single-subspace"}, {"--rank-task", "0"}}) {
      java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("--data", "d", "--out", "o",
          "--decomposition", "complementary"));
      args.addAll(java.util.List.of(without));
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> parse(args.toArray(String[]::new)));
      assertTrue(e.getMessage().contains("--decomposition complementary") && e.getMessage().contains("--rank-task >= 1"),
          String.join(" ", without) + ": " + e.getMessage());
    }
  }

  @Test
  void defaultsPresetAndOverrides() throws Exception {
    TrainConfig plain = parse("--data", "d", "--out", "o");
    assertEquals(TrainMethod.GEMS, plain.method());
    assertEquals(1000, plain.steps());
    assertEquals(32, plain.batchSize());
    assertEquals(7, plain.seed());
    assertEquals(5e-5, plain.lr());
    assertEquals(0.99, plain.nullSpaceEnergy());
    assertEquals(128, plain.rankShared());
    assertEquals(64, plain.rankTask());
    assertEquals(200, plain.refreshInterval());
    assertEquals(96, plain.model().maxTokens());
    assertEquals(20, plain.model().historyLength());
    assertEquals(50, plain.evalEvery());
    assertEquals(100, plain.checkpointEvery());
    assertEquals(200, plain.validLimit());
    assertEquals(Path.of(System.getProperty("user.home"), ".cache", "gems-j"), plain.cacheDir());

    TrainConfig demo = parse("--preset", "demo", "--out", "o", "--data", "d");
    assertEquals(500, demo.steps());
    assertEquals(100, demo.evalEvery());
    assertEquals(16, demo.batchSize());
    assertEquals(50, demo.refreshInterval());
    assertEquals(48, demo.model().maxTokens());
    assertEquals(10, demo.model().historyLength());
    assertEquals(100, demo.validLimit());
    assertEquals(true, demo.model().itemPrior()); // the demo trains with the popularity prior only
    assertEquals(false, demo.model().transitionPrior());
    assertEquals(true, parse("--preset", "demo", "--out", "o", "--data", "d", "--item-prior", "transitions").model()
        .transitionPrior(), "a given --item-prior overrides the preset's");

    TrainConfig lora = parse("--data", "d", "--out", "o", "--method", "lora", "--steps", "30", "--rank-shared", "40",
        "--history", "7");
    assertEquals(TrainMethod.LORA, lora.method());
    assertEquals(5e-4, lora.lr());
    assertEquals(30, lora.steps());
    assertEquals(20, lora.rankTask());
    assertEquals(7, lora.model().historyLength());
  }

  @Test
  void budgetPresetsAreTheStudysBudgetsAndOptionsOverrideThem() throws Exception {
    TrainConfig medium = parse("--preset", "medium", "--data", "d", "--out", "o");
    assertEquals(3000, medium.steps());
    assertEquals(16, medium.batchSize());
    assertEquals(32, medium.model().maxTokens());
    assertEquals(20, medium.model().historyLength());
    assertEquals(250, medium.evalEvery());
    assertEquals(300, medium.validLimit());
    TrainConfig shorter = parse("--data", "d", "--steps", "40", "--preset", "medium", "--out", "o", "--history", "9");
    assertEquals(40, shorter.steps());
    assertEquals(9, shorter.model().historyLength());
    assertEquals(32, shorter.model().maxTokens());
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> parse("--preset", "huge", "--data", "d", "--out", "o"));
    assertEquals("unknown --preset 'huge' (demo, small, medium or full)", e.getMessage());
  }

  @Test
  void historyTextAndItemPrior() throws Exception {
    TrainConfig plain = parse("--data", "d", "--out", "o");
    assertEquals(org.gemsj.model.ModelInputs.Format.ITEMS, plain.model().input());
    assertEquals(true, plain.model().itemPrior());
    assertEquals(true, plain.model().transitionPrior());
    TrainConfig popularity = parse("--data", "d", "--out", "o", "--item-prior", "popularity");
    assertEquals(true, popularity.model().itemPrior());
    assertEquals(false, popularity.model().transitionPrior());
    TrainConfig titles = parse("--data", "d", "--out", "o", "--history-text", "titles", "--item-prior", "none");
    assertEquals(org.gemsj.model.ModelInputs.Format.ITEMS_AND_TITLES, titles.model().input());
    assertEquals(false, titles.model().itemPrior());
    assertEquals(false, titles.model().transitionPrior());
    TrainConfig semantic = parse("--data", "d", "--out", "o", "--ids", "semantic");
    assertEquals(false, semantic.model().itemPrior());
    assertEquals(false, semantic.model().transitionPrior());
    assertEquals(org.gemsj.model.ModelInputs.Format.TITLES,
        parse("--data", "d", "--out", "o", "--history-text", "titles-only").model().input());
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> parse("--data", "d", "--out", "o", "--item-prior", "bm25"));
    assertEquals("--item-prior must be transitions, popularity or none, got 'bm25'", e.getMessage());
    IllegalArgumentException semanticPrior = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class,
        () -> parse("--data", "d", "--out", "o", "--ids", "semantic", "--item-prior", "transitions"));
    assertTrue(semanticPrior.getMessage().contains("--item-prior transitions needs --ids atomic"),
        semanticPrior.getMessage());
  }
}
