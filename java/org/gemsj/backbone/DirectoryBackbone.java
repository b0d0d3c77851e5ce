package org.gemsj.backbone;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.gemsj.io.FileConfinement;

/**
 * A user's encoder in a Hugging Face directory ({@link HfEncoderDirectory}), recorded by its
 * absolute path and the digest of its files as they were when the run was configured. Reading it
 * again (a resumed run) refuses a directory whose files have changed since; a saved model needs
 * the directory no more (its weights and tokenizer are in the model).
 */
public record DirectoryBackbone(Path directory, String sha256, Pooling pooling) implements Backbone {
  /** Opens and checks {@code dir} through {@code files}. */
  public static DirectoryBackbone open(Path dir, FileConfinement files) throws IOException {
    HfEncoderDirectory hf = HfEncoderDirectory.open(dir.toAbsolutePath().normalize(), files);
    return new DirectoryBackbone(hf.dir(), hf.sha256(), hf.pooling());
  }

  static DirectoryBackbone fromJson(JsonNode n) {
    for (String field : new String[] {"directory", "sha256", "pooling"}) {
      if (!n.path(field).isTextual()) {
        throw new IllegalArgumentException("backbone: needs a bundled name or {\"directory\", \"sha256\", "
            + "\"pooling\"}, got " + n);
      }
    }
    return new DirectoryBackbone(Path.of(n.get("directory").asText()), n.get("sha256").asText(),
        Pooling.valueOf(n.get("pooling").asText().toUpperCase(Locale.ROOT)));
  }

  @Override
  public String label() {
    return directory.toString();
  }

  @Override
  public String cacheKey() {
    return "hf-" + sha256.substring(0, 16);
  }

  @Override
  public Object json() {
    Map<String, String> json = new LinkedHashMap<>();
    json.put("directory", directory.toString());
    json.put("sha256", sha256);
    json.put("pooling", pooling.name().toLowerCase(Locale.ROOT));
    return json;
  }

  @Override
  public Pretrained read(FileConfinement files) throws IOException {
    HfEncoderDirectory hf = HfEncoderDirectory.open(directory, files);
    if (!hf.sha256().equals(sha256)) {
      throw new IOException(directory + ": the encoder's files changed since this run was configured (sha256 "
          + sha256.substring(0, 16) + "..., now " + hf.sha256().substring(0, 16) + "...): restore them, or start a new "
          + "run");
    }
    return new Pretrained(this, hf.config(), hf.readWeights(files), hf.tokenizerJson(),
        directory.resolve("model.safetensors").toString());
  }
}
