package org.gemsj.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The decomposition as an optimizer setting: its default, configs saved before it, checkpoints. */
class DecompositionConfigTest {
  @Test
  void defaultsToReferenceAndConfigsSavedWithoutItLoadAsReference() throws IOException {
    assertEquals(Decomposition.REFERENCE, GemsConfig.builder().build().decomposition());
    GemsConfig complementary = GemsConfig.builder().decomposition(Decomposition.COMPLEMENTARY).build();
    assertEquals(Decomposition.COMPLEMENTARY, complementary.toBuilder().build().decomposition());
    ObjectMapper json = new ObjectMapper(); // as OptimizerCheckpoint reads its header
    ObjectNode saved = json.valueToTree(complementary);
    assertEquals("COMPLEMENTARY", saved.get("decomposition").asText());
    assertEquals(complementary, json.treeToValue(saved, GemsConfig.class));
    saved.remove("decomposition");
    assertEquals(Decomposition.REFERENCE, json.treeToValue(saved, GemsConfig.class).decomposition());
  }

  @Test
  void aCheckpointIsNotResumedWithTheOtherDecomposition(@TempDir Path dir) throws IOException {
    ToyModel model = new ToyModel(23);
    GemsConfig config = GemsConfig.builder().rankShared(4).rankTask(2).decomposition(Decomposition.COMPLEMENTARY).build();
    GemsOptimizer opt = new GemsOptimizer(config, model.targeted(), model.others());
    GemsOptimizerTest.run(opt, 1, 2);
    Path file = dir.resolve("state");
    opt.save(file);
    GemsOptimizer reference = new GemsOptimizer(config.toBuilder().decomposition(Decomposition.REFERENCE).build(),
        model.targeted(), model.others());
    IOException e = assertThrows(IOException.class, () -> reference.load(file));
    assertTrue(e.getMessage().contains("differs in decomposition (saved COMPLEMENTARY, here REFERENCE)"), e.getMessage());
    GemsOptimizer same = new GemsOptimizer(config, model.targeted(), model.others());
    same.load(file);
    assertEquals(2, same.stepCount());
  }

  @Test
  void theCliNameIsChecked() {
    assertEquals(Decomposition.COMPLEMENTARY, Decomposition.fromCli("complementary"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Decomposition.fromCli("agreement"));
    assertEquals("--decomposition must be reference or complementary, got 'agreement'", e.getMessage());
  }
}
