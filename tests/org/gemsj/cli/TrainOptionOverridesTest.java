package org.gemsj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.gemsj.study.StudyBudget;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class TrainOptionOverridesTest {
  @Test
  void setsBecomeTrainOptionsThatTrainParses() {
    Map<String, String> o = TrainOptionOverrides.parse(List.of("lr=1e-4", "--null-space-energy=0.99", "steps=40"));
    assertEquals(Map.of("--lr", "1e-4", "--null-space-energy", "0.99", "--steps", "40"), o);
    // the budget's own --steps gives way; the result is what `gems train` itself accepts
    List<String> args = new ArrayList<>(List.of("--data", "d", "--out", "o"));
    args.addAll(StudyBudget.SMALL.trainArgs(o));
    TrainCommand train = new TrainCommand();
    new CommandLine(train).parseArgs(args.toArray(String[]::new));
    assertEquals(1e-4, train.lr, 0);
    assertEquals(0.99, train.nullSpaceEnergy, 0);
    assertEquals(40, train.steps);
    assertEquals(32, train.maxTokens); // untouched budget option
  }

  @Test
  void badSetsNameTheProblem() {
    assertMessage("lr", "--set: expected NAME=VALUE (e.g. lr=1e-4), got 'lr'");
    assertMessage("lr=", "--set: expected NAME=VALUE (e.g. lr=1e-4), got 'lr='");
    assertMessage("=3", "--set: expected NAME=VALUE (e.g. lr=1e-4), got '=3'");
    assertMessage("learning-rate=1e-4", "--set learning-rate=1e-4: `gems train` has no option --learning-rate");
    assertMessage("seed=3", "--set seed=3: the study sets --seed itself");
    assertMessage("method=lora", "--set method=lora: the study sets --method itself");
    assertMessage("no-null-space=true", "--set no-null-space=true: --no-null-space is a flag and takes no value");
  }

  private static void assertMessage(String set, String expected) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TrainOptionOverrides.parse(List.of(set)));
    assertEquals(expected, e.getMessage());
  }
}
