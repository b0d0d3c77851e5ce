package org.gemsj.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** SHA-256 fingerprints (hex) of content that caches and checkpoints depend on. */
public final class Digests {
  private Digests() {}

  public static String sha256(byte[] bytes) {
    MessageDigest sha = sha256();
    sha.update(bytes);
    return HexFormat.of().formatHex(sha.digest());
  }

  /** Opens one of the inputs a digest covers. */
  @FunctionalInterface
  public interface Source {
    InputStream open() throws IOException;
  }

  /** One digest over the files' contents, in order, streamed. */
  public static String sha256(List<Path> files) throws IOException {
    return sha256Of(files.stream().<Source>map(f -> () -> Files.newInputStream(f)).toList());
  }

  /** One digest over the streams' contents, in order, each opened, read and closed in turn. */
  public static String sha256Of(List<Source> sources) throws IOException {
    MessageDigest sha = sha256();
    byte[] buffer = new byte[1 << 16];
    for (Source source : sources) {
      try (InputStream in = source.open()) {
        for (int n; (n = in.read(buffer)) > 0; ) {
          sha.update(buffer, 0, n);
        }
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }
}
