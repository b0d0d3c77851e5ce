package org.gemsj.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.gemsj.data.synth.SyntheticData;
import org.gemsj.eval.TrainLog;
import org.gemsj.optim.Decomposition;
import org.gemsj.optim.GateMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run interrupted after a checkpoint and resumed ends bit-for-bit where an uninterrupted one does. */
class ResumeTest {
  @TempDir Path dir;

  @Test
  void resumedRunEqualsStraightRun() throws Exception {
    Path data = dir.resolve("data");
    SyntheticData.generate(data, 5, new SyntheticData.Options(60, 24, 8));
    for (TrainMethod method : List.of(TrainMethod.GEMS, TrainMethod.LORA)) {
      Path straight = dir.resolve(method + "-straight"), resumed = dir.resolve(method + "-resumed");
      new Trainer(config(data, straight, method), System.out).run(false, false);
      assertThrows(IllegalStateException.class, () -> new Trainer(config(data, resumed, method), System.out).crashAfter(4).run(false, false));
      new Trainer(Trainer.savedConfig(resumed), System.out).run(true, false);
      for (String f : List.of("weights.bin", "encoder-optimizer.bin", "decoder-optimizer.bin", "state.json")) {
        if (f.equals("state.json")) {
          continue; // holds wall-clock seconds
        }
        assertArrayEquals(Files.readAllBytes(straight.resolve("checkpoint").resolve(f)),
            Files.readAllBytes(resumed.resolve("checkpoint").resolve(f)), method + ": " + f + " differs after resume");
      }
      List<TrainLog.Step> a = TrainLog.read(straight.resolve(TrainLog.FILE_NAME)).steps();
      List<TrainLog.Step> b = TrainLog.read(resumed.resolve(TrainLog.FILE_NAME)).steps();
      assertEquals(a.size(), b.size());
      for (int i = 0; i < a.size(); i++) {
        assertEquals(a.get(i).step(), b.get(i).step());
        assertEquals(a.get(i).lossSearch(), b.get(i).lossSearch());
        assertEquals(a.get(i).lossRec(), b.get(i).lossRec());
      }
    }
  }

  private TrainConfig config(Path data, Path out, TrainMethod method) {
    TrainConfig c = EndToEndTest.tinyConfig(data, out, method, 8);
    return new TrainConfig(c.data(), c.out(), c.method(), c.noNullSpace(), c.singleSubspace(), c.model(), c.steps(),
        c.batchSize(), c.seed(), c.lr(), c.decoderLr(), c.warmupFraction(), c.weightDecay(), c.dropout(), c.rankShared(),
        c.rankTask(), 3, c.alpha(), c.loraRank(), c.loraAlpha(), c.loraDropout(), c.nullSpaceEnergy(), null,
        dir.resolve("cache"), 4, c.patience(), 4, c.validLimit(), true, // warm-up refreshes at 2 and 3 cross the resume
        method == TrainMethod.GEMS ? Decomposition.COMPLEMENTARY : c.decomposition(),
        method == TrainMethod.GEMS ? GateMode.RUNNING : c.gates()); // gems: its running gate state crosses it too
  }
}
