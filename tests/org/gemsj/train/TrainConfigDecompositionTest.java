package org.gemsj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gemsj.optim.Decomposition;
import org.gemsj.optim.GateMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train_config.json written before --decomposition and --gates existed resumes with the reference ones. */
class TrainConfigDecompositionTest {
  @Test
  void aSavedConfigWithoutTheFieldIsReference(@TempDir Path out) throws Exception {
    TrainConfig c = EndToEndTest.tinyConfig(out.resolve("data"), out, TrainMethod.GEMS, 8);
    TrainConfig complementary = new TrainConfig(c.data(), c.out(), c.method(), c.noNullSpace(), c.singleSubspace(),
        c.model(), c.steps(), c.batchSize(), c.seed(), c.lr(), c.decoderLr(), c.warmupFraction(), c.weightDecay(),
        c.dropout(), c.rankShared(), c.rankTask(), c.refreshInterval(), c.alpha(), c.loraRank(), c.loraAlpha(),
        c.loraDropout(), c.nullSpaceEnergy(), c.knowledgeCorpus(), c.cacheDir(), c.evalEvery(), c.patience(),
        c.checkpointEvery(), c.validLimit(), c.refreshWarmup(), Decomposition.COMPLEMENTARY, GateMode.RUNNING);
    ObjectMapper json = new ObjectMapper().findAndRegisterModules(); // as Trainer writes it
    ObjectNode tree = json.valueToTree(complementary);
    Files.write(new RunDirectory(out).config(), json.writeValueAsBytes(tree));
    assertEquals(complementary, Trainer.savedConfig(out));
    assertEquals(Decomposition.COMPLEMENTARY, complementary.relocated(out.resolve("moved")).decomposition());
    assertEquals("gems --decomposition complementary --gates running", complementary.name());
    tree.remove("decomposition");
    tree.remove("gates");
    Files.write(new RunDirectory(out).config(), json.writeValueAsBytes(tree));
    TrainConfig old = Trainer.savedConfig(out);
    assertEquals(Decomposition.REFERENCE, old.decomposition());
    assertEquals(GateMode.REFERENCE, old.gates());
    assertEquals("gems", old.name());
  }
}
