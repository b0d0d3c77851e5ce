package org.gemsj.backbone;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.gemsj.io.FileConfinement;

/**
 * The pretrained encoder a model starts from: one of the encoders bundled in Maven jars
 * ({@link BundledBackbone}) or a user's Hugging Face directory ({@link DirectoryBackbone}). A
 * backbone is an identity (what train_config.json and a saved model's config.json record); its
 * files are read by {@link #read}, the only place they are opened.
 */
public sealed interface Backbone permits BundledBackbone, DirectoryBackbone {
  /** How token states become one sentence embedding (then L2-normalised), as each model was trained. */
  enum Pooling {
    MEAN,
    CLS
  }

  /** What logs, metrics.json and study reports call it: the bundled name, or the directory. */
  String label();

  Pooling pooling();

  /**
   * Names the weights, tokenizer and configuration, for cache files computed from the encoder
   * (item vectors, null-space bases): the name and a digest of the files' contents.
   */
  String cacheKey() throws IOException;

  /** Reads the encoder's files, each opened through {@code files}. */
  Pretrained read(FileConfinement files) throws IOException;

  /** Reads the encoder's files, unconfined (the CLI, tests, benchmarks). */
  default Pretrained read() throws IOException {
    return read(FileConfinement.NONE);
  }

  /** The JSON form: a bundled name, or {"directory", "sha256", "pooling"}. */
  @JsonValue
  Object json();

  /** Reads {@link #json()}'s form, and the enum names older runs and models recorded ("MINILM"). */
  @JsonCreator
  static Backbone fromJson(JsonNode n) {
    if (n.isTextual()) {
      String s = n.asText();
      return Arrays.stream(BundledBackbone.values())
          .filter(b -> b.cliName.equals(s) || b.name().equals(s.toUpperCase(Locale.ROOT)))
          .findFirst().orElseThrow(() -> new IllegalArgumentException("unknown backbone '" + s + "'"));
    }
    return DirectoryBackbone.fromJson(n);
  }

  /**
   * A bundled name ({@link BundledBackbone#cliName}) or else a Hugging Face directory, opened and
   * checked now through {@code files}. Refusals are IllegalArgumentExceptions naming the file.
   */
  static Backbone parse(String nameOrDirectory, FileConfinement files) {
    for (BundledBackbone b : BundledBackbone.values()) {
      if (b.cliName.equals(nameOrDirectory)) {
        return b;
      }
    }
    if (nameOrDirectory.isBlank()) {
      throw new IllegalArgumentException("--backbone is empty (" + BundledBackbone.choices() + ")");
    }
    String neither = "--backbone '" + nameOrDirectory + "' is neither a bundled encoder (" + BundledBackbone.choices()
        + ") nor a directory";
    Path dir;
    try {
      dir = Path.of(nameOrDirectory);
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException(neither, e);
    }
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(neither);
    }
    try {
      return DirectoryBackbone.open(dir, files);
    } catch (IOException | IllegalArgumentException e) { // unreadable, or a file that resolves outside the roots
      throw new IllegalArgumentException("--backbone " + nameOrDirectory + ": " + e.getMessage(), e);
    }
  }
}
