package org.gemsj.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files open only where they really lie inside the roots, as the file is opened. */
class FileConfinementTest {
  @TempDir Path dir;

  @Test
  void opensFilesInsideAndRefusesSymlinksToOutsideNamingNeitherTargetNorContent() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Path outside = Files.writeString(dir.resolve("secret.txt"), "the-server-token-4711");
    Path inner = Files.createDirectories(root.resolve("shop"));
    byte[] items = "{\"id\":\"a\",\"title\":\"A\"}\n".getBytes(StandardCharsets.UTF_8);
    Files.write(inner.resolve("items.jsonl"), items);
    Files.createSymbolicLink(inner.resolve("events.jsonl"), outside); // a file inside that points out
    Files.createSymbolicLink(root.resolve("away"), dir); // a directory inside that points out
    Path alias = Files.createSymbolicLink(dir.resolve("root-alias"), root);
    FileConfinement c = FileConfinement.within(List.of(alias)); // a root named through a symlink

    try (InputStream in = c.open(inner.resolve("items.jsonl"))) {
      assertArrayEquals(items, in.readAllBytes());
    }
    for (Path bad : List.of(inner.resolve("events.jsonl"), root.resolve("away/secret.txt"), outside)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.open(bad).close());
      assertTrue(e.getMessage().startsWith(bad + " resolves outside the data roots [" + alias + "]"), e.getMessage());
      assertFalse(e.getMessage().contains("secret.txt") && !bad.toString().contains("secret.txt"), e.getMessage());
      assertFalse(e.getMessage().contains("4711"), e.getMessage());
    }
    assertThrows(NoSuchFileException.class, () -> c.open(inner.resolve("missing.jsonl")));
    // a symlink between two places inside the roots is fine
    Files.createSymbolicLink(inner.resolve("copy.jsonl"), inner.resolve("items.jsonl"));
    try (InputStream in = c.open(inner.resolve("copy.jsonl"))) {
      assertArrayEquals(items, in.readAllBytes());
    }
    // no confinement: anything opens
    try (InputStream in = FileConfinement.NONE.open(inner.resolve("events.jsonl"))) {
      assertEquals("the-server-token-4711", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    assertThrows(IllegalArgumentException.class, () -> FileConfinement.within(List.of(dir.resolve("nothing"))));
  }
}
