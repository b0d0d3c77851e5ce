package org.gemsj.backbone;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * Hugging Face BERT directories of random weights for tests ({@link RandomEncoderDirectory}),
 * with CLS pooling in 1_Pooling/config.json where asked (mean pooling writes none, the
 * documented default), or with changes to config.json and the tensors.
 */
public final class TinyEncoderDirectory {
  private TinyEncoderDirectory() {}

  public static Path write(Path dir, BertConfig c, Backbone.Pooling pooling, Random r) throws IOException {
    RandomEncoderDirectory.write(dir, c, r.nextLong());
    if (pooling == Backbone.Pooling.CLS) {
      Files.createDirectories(dir.resolve("1_Pooling"));
      Files.writeString(dir.resolve("1_Pooling/config.json"), "{\"pooling_mode_cls_token\": true}");
    }
    return dir;
  }

  /** Mean pooling, {@code configChanges} over config.json and {@code weightChanges} over the tensors. */
  static Path write(Path dir, BertConfig c, Map<String, Object> configChanges,
      Function<List<SafeTensorsWriter.Entry>, List<SafeTensorsWriter.Entry>> weightChanges, Random r) throws IOException {
    Map<String, Object> config = RandomEncoderDirectory.config(c);
    config.putAll(configChanges);
    return RandomEncoderDirectory.write(dir, config, weightChanges.apply(RandomEncoderDirectory.weights(c, r)));
  }
}
