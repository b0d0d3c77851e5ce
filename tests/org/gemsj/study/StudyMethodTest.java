package org.gemsj.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.gemsj.optim.Decomposition;
import org.gemsj.optim.GateMode;
import org.gemsj.train.TrainConfig;
import org.gemsj.train.TrainMethod;
import org.junit.jupiter.api.Test;

class StudyMethodTest {
  @Test
  void methodsAsOnTheCommandLine() {
    assertEquals(List.of("gems", "gems --decomposition complementary",
        "gems --decomposition complementary --gates running", "gems --no-null-space", "gems --single-subspace",
        "galore", "lora", "full"), StudyMethod.ALL.stream().map(StudyMethod::name).toList());
    assertEquals("gems-no-null-space", StudyMethod.ALL.get(3).slug());
    assertEquals("gems-decomposition-complementary-gates-running", StudyMethod.ALL.get(2).slug());
    assertEquals(List.of("gems", "full"), StudyMethod.parse("full, gems").stream().map(StudyMethod::name).toList());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StudyMethod.parse("gems,adam"));
    assertTrue(e.getMessage().startsWith("--methods: unknown method 'adam'"), e.getMessage());
  }

  @Test
  void budgetsAreThePresetsWithOverridesOnTop() {
    TrainConfig.Builder b = StudyBudget.SMALL.preset.applyTo(TrainConfig.builder(Path.of("d"), Path.of("o")));
    new StudyOverrides("--steps 7", s -> s.steps(7)).settings().accept(b);
    TrainConfig small = b.config();
    assertEquals(7, small.steps());
    assertEquals(32, small.model().maxTokens());
    assertEquals(StudyBudget.MEDIUM, StudyBudget.parse("medium"));
    assertEquals(20, StudyBudget.MEDIUM.preset.applyTo(TrainConfig.builder(Path.of("d"), Path.of("o"))).config()
        .model().historyLength());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StudyBudget.parse("huge"));
    assertEquals("--budget must be small, medium or full, got 'huge'", e.getMessage());
  }

  /** GEMS's variants set their decomposition and gates explicitly; the baselines only their method. */
  @Test
  void methodsSetTheirSettings() {
    TrainConfig running = configOf(StudyMethod.ALL.get(2));
    assertEquals(TrainMethod.GEMS, running.method());
    assertEquals(Decomposition.COMPLEMENTARY, running.decomposition());
    assertEquals(GateMode.RUNNING, running.gates());
    TrainConfig noNull = configOf(StudyMethod.ALL.get(3));
    assertTrue(noNull.noNullSpace() && !noNull.singleSubspace());
    assertEquals(Decomposition.REFERENCE, noNull.decomposition());
    assertEquals(TrainMethod.LORA, configOf(StudyMethod.parse("lora").get(0)).method());
    assertEquals("gems --decomposition complementary --gates running", running.name()); // as metrics.json names it
  }

  /** A run is the same run whatever the order its settings were given in; any other setting differs by name. */
  @Test
  void savedAndPlannedConfigsCompareSettingBySetting() {
    TrainConfig a = TrainConfig.builder(Path.of("d"), Path.of("o")).steps(3000).lr(1e-4).historyLength(3).config();
    TrainConfig b = TrainConfig.builder(Path.of("d"), Path.of("o")).historyLength(3).lr(1e-4).steps(3000).config();
    assertEquals(List.of(), Study.differences(a, b));
    TrainConfig elsewhere = TrainConfig.builder(Path.of("d"), Path.of("o")).steps(3000).lr(1e-4).historyLength(3)
        .cacheDir(Path.of("/another/home/.cache")).config();
    assertEquals(List.of(), Study.differences(a, elsewhere)); // where caches live is not what a run computes
    TrainConfig c = TrainConfig.builder(Path.of("d"), Path.of("o")).steps(300).lr(1e-4).historyLength(4).config();
    assertEquals(List.of("model.historyLength 3 there, 4 in this study", "steps 3000 there, 300 in this study"),
        Study.differences(a, c));
  }

  private static TrainConfig configOf(StudyMethod m) {
    TrainConfig.Builder b = TrainConfig.builder(Path.of("d"), Path.of("o"));
    m.settings().accept(b);
    return b.config();
  }
}
