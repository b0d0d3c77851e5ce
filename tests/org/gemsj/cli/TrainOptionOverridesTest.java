package org.gemsj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.gemsj.train.TrainConfig;
import org.gemsj.train.TrainPreset;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class TrainOptionOverridesTest {
  @Test
  void setsBecomeTrainOptionsThatTrainParses() {
    Map<String, String> o = TrainOptionOverrides.parse(List.of("lr=1e-4", "--null-space-energy=0.99", "steps=40"));
    assertEquals(Map.of("--lr", "1e-4", "--null-space-energy", "0.99", "--steps", "40"), o);
    // the budget's own steps give way; the result is what `gems train` itself makes of the options
    TrainConfig.Builder b = TrainPreset.SMALL.applyTo(TrainConfig.builder(Path.of("d"), Path.of("o")));
    TrainOptionOverrides.settings(o).accept(b);
    TrainConfig c = b.config();
    assertEquals(1e-4, c.lr(), 0);
    assertEquals(0.99, c.nullSpaceEnergy(), 0);
    assertEquals(40, c.steps());
    assertEquals(32, c.model().maxTokens()); // untouched budget setting
    // only the options given are set: a method's own settings (here an ablation flag) stay
    TrainConfig.Builder ablation = TrainConfig.builder(Path.of("d"), Path.of("o")).noNullSpace(true);
    TrainOptionOverrides.settings(o).accept(ablation);
    assertTrue(ablation.config().noNullSpace());
    CommandLine.ParameterException bad = assertThrows(CommandLine.ParameterException.class,
        () -> TrainOptionOverrides.settings(Map.of("--steps", "many")));
    assertTrue(bad.getMessage().contains("--steps"), bad.getMessage());
  }

  @Test
  void badSetsNameTheProblem() {
    assertMessage("lr", "--set: expected NAME=VALUE (e.g. lr=1e-4), got 'lr'");
    assertMessage("lr=", "--set: expected NAME=VALUE (e.g. lr=1e-4), got 'lr='");
    assertMessage("=3", "--set: expected NAME=VALUE (e.g. lr=1e-4), got '=3'");
    assertMessage("learning-rate=1e-4", "--set learning-rate=1e-4: `gems train` has no option --learning-rate");
    assertMessage("seed=3", "--set seed=3: the study sets --seed itself");
    assertMessage("method=lora", "--set method=lora: the study sets --method itself");
    assertMessage("gates=running", "--set gates=running: the study sets --gates itself"); // a method's identity
    assertMessage("decomposition=complementary", "--set decomposition=complementary: the study sets --decomposition itself");
    assertMessage("no-null-space=true", "--set no-null-space=true: --no-null-space is a flag and takes no value");
  }

  private static void assertMessage(String set, String expected) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TrainOptionOverrides.parse(List.of(set)));
    assertEquals(expected, e.getMessage());
  }
}
