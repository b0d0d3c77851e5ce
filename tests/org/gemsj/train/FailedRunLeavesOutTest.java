package org.gemsj.train;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.gemsj.api.GemsTrainer;
import org.gemsj.data.Dataset;
import org.gemsj.data.DatasetException;
import org.gemsj.data.synth.SyntheticData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run refused for its dataset writes nothing into OUT, so the corrected command is not refused for OUT. */
class FailedRunLeavesOutTest {
  @TempDir Path dir;

  @Test
  void aBadDatasetLeavesOutUntouched() throws IOException {
    Path data = dir.resolve("data"), out = dir.resolve("out");
    SyntheticData.generate(data, 3, SyntheticData.Options.DEFAULTS);
    Files.writeString(data.resolve(Dataset.EVENTS), "{\"user\": \"u1\", \"item\": 7}\n", StandardOpenOption.APPEND);
    TrainConfig config = GemsTrainer.builder(data, out).steps(1).config();
    PrintStream log = new PrintStream(new ByteArrayOutputStream());
    DatasetException first = assertThrows(DatasetException.class, () -> new Trainer(config, log).run(false, false));
    assertTrue(first.getMessage().contains(Dataset.EVENTS), first.getMessage());
    assertFalse(Files.exists(out), "OUT was created by a run that was refused");
    // the same command again meets the same dataset error, not "OUT already holds a training run"
    Files.createDirectories(out);
    DatasetException again = assertThrows(DatasetException.class, () -> new Trainer(config, log).run(false, false));
    assertTrue(again.getMessage().contains(Dataset.EVENTS), again.getMessage());
    try (var files = Files.list(out)) {
      assertFalse(files.findAny().isPresent(), "a refused run wrote into OUT");
    }
  }
}
