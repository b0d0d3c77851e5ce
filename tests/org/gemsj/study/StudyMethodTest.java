package org.gemsj.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
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
  void budgetOptionsWithOverrides() {
    List<String> args = StudyBudget.SMALL.trainArgs(Map.of("--steps", "7"));
    int i = args.indexOf("--steps");
    assertEquals("7", args.get(i + 1));
    assertEquals("32", StudyBudget.SMALL.option("--max-tokens", Map.of()));
    assertEquals(StudyBudget.MEDIUM, StudyBudget.parse("medium"));
    assertEquals("20", StudyBudget.MEDIUM.option("--history", Map.of()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StudyBudget.parse("huge"));
    assertEquals("--budget must be small, medium or full, got 'huge'", e.getMessage());
  }

  /** A run recorded with its options in another order is the same run (a budget's order once varied by JVM). */
  @Test
  void argumentsCompareAsOptionsInAnyOrder() {
    List<String> a = List.of("--data", "d", "--overwrite", "--steps", "3000", "--lr", "-1");
    assertTrue(Study.sameOptions(a, List.of("--steps", "3000", "--overwrite", "--lr", "-1", "--data", "d")));
    assertTrue(!Study.sameOptions(a, List.of("--data", "d", "--overwrite", "--steps", "300", "--lr", "-1")));
    assertTrue(!Study.sameOptions(a, List.of("--data", "d", "--steps", "3000", "--lr", "-1")));
    assertEquals(List.of("--steps", "150", "--batch-size", "16"), StudyBudget.SMALL.trainArgs(Map.of()).subList(0, 4));
  }
}
