package org.gemsj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A failed job's reason: the CLI's error and the first error it lists (issue "Hardening", item 10). */
class OutputPumpTest {
  @TempDir Path dir;

  private String reasonOf(String output) throws Exception {
    OutputPump pump = new OutputPump("test", new ByteArrayInputStream(output.getBytes(StandardCharsets.UTF_8)),
        dir.resolve("worker.log"), line -> { });
    pump.start();
    pump.join();
    return pump.reason();
  }

  @Test
  void aDatasetErrorListGivesItsFirstErrorNotItsLastLine() throws Exception {
    assertEquals("gems train: invalid dataset /d: 84 errors; the first: items.jsonl:1: malformed JSON: x",
        reasonOf("gems: loading /d\ngems train: invalid dataset /d: 84 errors\n  items.jsonl:1: malformed JSON: x\n"
            + "  items.jsonl:2: malformed JSON: y\n  and 82 more\n"));
    assertEquals("gems train: --steps must be >= 1", reasonOf("gems: loading\ngems train: --steps must be >= 1\n"));
    assertEquals("java.lang.IllegalStateException: boom", reasonOf(
        "gems: loading\njava.lang.IllegalStateException: boom\n\tat a.b(C.java:1)\n\tat d.e(F.java:2)\n"));
  }
}
