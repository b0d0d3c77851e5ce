package org.gemsj.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What every crash-safe writer relies on: the old content or the new one, never a torn one, nothing left behind. */
class AtomicFilesTest {
  @TempDir Path dir;

  private List<String> names() throws IOException {
    try (var files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void aFileIsReplacedWholeOrNotAtAll() throws Exception {
    Path f = dir.resolve("state.json");
    AtomicFiles.write(f, "old".getBytes(StandardCharsets.UTF_8));
    assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    IOException crash = assertThrows(IOException.class, () -> AtomicFiles.write(f, out -> {
      AtomicFiles.writeFully(out, ByteBuffer.wrap("half of the ne".getBytes(StandardCharsets.UTF_8)));
      throw new IOException("disk full");
    }));
    assertEquals("disk full", crash.getMessage());
    assertEquals("old", Files.readString(f));
    assertEquals(List.of("state.json"), names(), "a temp file was left behind");
    AtomicFiles.write(f, "new content".getBytes(StandardCharsets.UTF_8));
    assertEquals("new content", Files.readString(f));
    assertEquals(List.of("state.json"), names());
  }

  @Test
  void aDirectoryIsReplacedWholeAndAnInterruptedReplacementRecovers() throws Exception {
    Path ckpt = dir.resolve("checkpoint");
    AtomicFiles.replaceDirectory(ckpt, d -> Files.writeString(d.resolve("weights.bin"), "step 1"));
    assertThrows(IOException.class, () -> AtomicFiles.replaceDirectory(ckpt, d -> {
      Files.writeString(d.resolve("weights.bin"), "step 2, torn");
      throw new IOException("killed");
    }));
    assertEquals("step 1", Files.readString(ckpt.resolve("weights.bin")));
    assertEquals(List.of("checkpoint"), names(), "a staging directory was left behind");
    assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(ckpt)));

    AtomicFiles.replaceDirectory(ckpt, d -> Files.writeString(d.resolve("weights.bin"), "step 2"));
    assertEquals("step 2", Files.readString(ckpt.resolve("weights.bin")));
    assertEquals(List.of("checkpoint"), names());

    // a crash between the two renames: the directory is gone and the previous copy sits at .old
    Files.move(ckpt, dir.resolve("checkpoint.old"));
    AtomicFiles.recoverDirectory(ckpt);
    assertEquals("step 2", Files.readString(ckpt.resolve("weights.bin")));
    assertEquals(List.of("checkpoint"), names());
    AtomicFiles.recoverDirectory(ckpt); // nothing to recover: a no-op
    assertEquals("step 2", Files.readString(ckpt.resolve("weights.bin")));
    AtomicFiles.deleteTree(dir.resolve("missing")); // a missing tree: nothing happens
    AtomicFiles.deleteTree(ckpt);
    assertTrue(names().isEmpty());
  }
}
