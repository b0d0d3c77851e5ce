package org.gemsj.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gemsj.train.ConflictLog;
import org.junit.jupiter.api.Test;

class ConflictAnalysisTest {
  static final String Q = "encoder.encoder.layer.0.attention.self.query.weight";
  static final String O = "encoder.encoder.layer.0.attention.output.dense.weight";
  static final String FFN = "encoder.encoder.layer.1.intermediate.dense.weight";
  static final String FFN_OUT = "encoder.encoder.layer.1.output.dense.weight";

  @Test
  void namesAndTypesOfTargetedWeights() {
    assertEquals("L0 q", ConflictAnalysis.shortName(Q));
    assertEquals("L0 o", ConflictAnalysis.shortName(O));
    assertEquals("L1 ffn_in", ConflictAnalysis.shortName(FFN));
    assertEquals("L1 ffn_out", ConflictAnalysis.shortName(FFN_OUT));
    assertEquals("attention", ConflictAnalysis.type(O));
    assertEquals("ffn", ConflictAnalysis.type(FFN_OUT));
  }

  @Test
  void cellsAreMeansOverSeedsAndTypesSummariseEveryProbe() {
    // step 1's applied probe is left out (Adam's denominator is that step's gradient alone); its raw one counts
    List<ConflictLog.Entry> seed1 = List.of(entry(1, -0.99, -0.99, 0.1), entry(2, 0.5, -0.2, 0.9),
        entry(10, 0.1, -0.4, Double.NaN));
    List<ConflictLog.Entry> seed2 = List.of(entry(2, 0.3, 0.2, 0.7), entry(10, -0.1, -0.6, 0.5));
    ConflictAnalysis applied = ConflictAnalysis.of(List.of(seed1, seed2), true);
    assertEquals(List.of("L0 q", "L1 ffn_in"), applied.weights());
    assertEquals(List.of(2, 10), applied.steps());
    assertEquals(0.4, applied.cosine()[0][0], 1e-12);
    assertEquals(0.0, applied.cosine()[0][1], 1e-12);
    assertEquals(0.0, applied.cosine()[1][0], 1e-12);
    assertEquals(-0.5, applied.cosine()[1][1], 1e-12);
    // attention probes 0.5, 0.1, 0.3, -0.1; FFN -0.2, -0.4, 0.2, -0.6
    assertEquals(0.2, applied.byType().get("attention").get("mean_cosine"), 1e-12);
    assertEquals(0.25, applied.byType().get("attention").get("negative_share"), 1e-12);
    assertEquals(-0.25, applied.byType().get("ffn").get("mean_cosine"), 1e-12);
    assertEquals(0.75, applied.byType().get("ffn").get("negative_share"), 1e-12);
    ConflictAnalysis raw = ConflictAnalysis.of(List.of(seed1, seed2), false);
    assertEquals(List.of("L0 q"), raw.weights(), "a NaN probe is skipped, not averaged");
    assertEquals(List.of(1, 2, 10), raw.steps());
    assertEquals(0.1, raw.cosine()[0][0], 1e-12);
    assertEquals(0.8, raw.cosine()[0][1], 1e-12);
    assertEquals(0.5, raw.cosine()[0][2], 1e-12);
    assertEquals((0.5 + 0.1 - 0.2 - 0.4) / 4, ConflictAnalysis.meanCosine(seed1, true), 1e-12);
    assertEquals((0.1 + 0.9) / 2, ConflictAnalysis.meanCosine(seed1, false), 1e-12);
    assertTrue(ConflictAnalysis.of(List.of(), true).isEmpty());
  }

  private static ConflictLog.Entry entry(int step, double q, double ffn, double rawQ) {
    Map<String, Double> applied = new LinkedHashMap<>();
    applied.put(Q, q);
    applied.put(FFN, ffn);
    return new ConflictLog.Entry(step, Map.of(Q, rawQ), applied);
  }
}
