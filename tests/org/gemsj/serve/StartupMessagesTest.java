package org.gemsj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gemsj.cli.GemsCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue "Hardening", item 12: `gems serve` refuses bad start-up input in one line, before creating anything. */
class StartupMessagesTest {
  @TempDir Path dir;

  private record Refusal(int code, String err) {}

  private Refusal serve(String... extra) {
    StringWriter err = new StringWriter();
    var cli = GemsCli.commandLine();
    cli.setErr(new PrintWriter(err, true));
    String[] args = new String[4 + extra.length];
    args[0] = "serve";
    args[1] = "--port";
    args[2] = "0";
    args[3] = "--data-dir=" + dir.resolve("srv");
    System.arraycopy(extra, 0, args, 4, extra.length);
    return new Refusal(cli.execute(args), err.toString().strip());
  }

  @Test
  void badStartupInputIsOneLineAndCreatesNothing() throws Exception {
    Refusal missing = serve("--token-file", dir.resolve("no-tokens").toString());
    assertEquals(2, missing.code());
    assertEquals("gems serve: --token-file " + dir.resolve("no-tokens") + ": no such file", missing.err());

    Path shortToken = Files.writeString(dir.resolve("tokens"), "# ops\nshort\n");
    Refusal tooShort = serve("--token-file", shortToken.toString());
    assertEquals(2, tooShort.code());
    assertEquals("gems serve: --token-file " + shortToken + ", line 2: a bearer token must have at least 16 characters",
        tooShort.err());
    assertFalse(Files.exists(dir.resolve("srv")), "the data directory was created before the refusal");

    Path good = Files.writeString(dir.resolve("good-tokens"), "0123456789abcdef0123\n");
    Files.createDirectories(dir.resolve("srv"));
    Files.write(dir.resolve("srv").resolve(JobStore.FILE_NAME), "this is no SQLite file, just text".repeat(200).getBytes());
    Refusal corrupt = serve("--token-file", good.toString());
    assertEquals(2, corrupt.code());
    assertTrue(corrupt.err().startsWith("gems serve: " + dir.resolve("srv").resolve(JobStore.FILE_NAME)
        + " is not a readable job database ("), corrupt.err());
    assertTrue(corrupt.err().endsWith("aside to start with no jobs"), corrupt.err());
    assertFalse(corrupt.err().contains("\n"), "more than one line: " + corrupt.err());
  }
}
