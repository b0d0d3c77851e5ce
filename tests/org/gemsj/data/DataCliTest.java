package org.gemsj.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gemsj.cli.GemsCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `gems data ...` exit codes and output (0 ok, 2 invalid data or usage, errors without stack traces). */
class DataCliTest {
  @TempDir Path tmp;

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = GemsCli.commandLine().execute(args);
      return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void synthThenStats() {
    Path dir = tmp.resolve("synth");
    Run r = run("data", "synth", "--out", dir.toString(), "--seed", "3", "--users", "10");
    assertEquals(0, r.code(), r.err());
    Run s = run("data", "stats", dir.toString());
    assertEquals(0, s.code(), s.err());
    assertTrue(s.out().contains("users  10"), s.out());
    assertTrue(s.out().matches("(?s).*test\\s+10\\s+10.*"), s.out());
  }

  @Test
  void invalidDataExitsTwoWithErrorList() throws Exception {
    Files.writeString(tmp.resolve("items.jsonl"), "{\"id\":\"a\",\"title\":\"A\"}\n");
    Files.writeString(tmp.resolve("events.jsonl"), "{\"user\":\"u\",\"item\":\"a\",\"ts\":1,\"task\":\"search\"}\n");
    Run r = run("data", "stats", tmp.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("events.jsonl:1: field 'query': required when task is \"search\""), r.err());
    assertFalse(r.err().contains("\tat "), "no stack trace");
  }

  @Test
  void badUsageExitsTwo() {
    assertEquals(2, run("data", "synth").code());
    Run r = run("data", "synth", "--out", tmp.toString(), "--items", "5");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("items must be >="), r.err());
    assertEquals(2, run("data", "convert", "--from", "imdb", "x", "--out", "y").code());
  }

  @Test
  void convertReportsMissingFile() {
    Run r = run("data", "convert", "--from", "movielens", tmp.toString(), "--out", tmp.resolve("o").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("movies.csv: missing file"), r.err());
  }
}
