package org.gemsj.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsTableTest {
  @Test
  void textTableIsAlignedWithModelFirst() {
    MetricsDoc doc = MetricsJsonTest.sample();
    String text = MetricsTable.text(MetricsTable.systems(doc), List.of("hr@10", "ndcg@10", "mrr@10"));
    String expected = ""
        + "task    system      HR@10   NDCG@10  MRR@10\n"
        + "search  gems        1.0000  0.5000   0.3333\n"
        + "search  bm25        1.0000  0.3333   0.1429\n"
        + "search  dense       0.0000  0.0000   0.0000\n"
        + "rec     gems        1.0000  0.5000   0.3333\n"
        + "rec     popularity  0.0000  0.0000   0.0000\n";
    assertEquals(expected, text);
  }

  @Test
  void markdownTableAndMissingMetrics() {
    Map<String, Map<String, Map<String, Double>>> systems = new LinkedHashMap<>();
    systems.put("gems", Map.of("rec", Map.of("hr@5", 0.25)));
    String md = MetricsTable.markdown(systems, List.of("hr@5", "mrr@5"));
    assertEquals("| task | system | HR@5 | MRR@5 |\n|---|---|---:|---:|\n| rec | gems | 0.2500 | - |\n", md);
  }
}
