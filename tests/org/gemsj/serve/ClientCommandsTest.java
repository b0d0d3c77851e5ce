package org.gemsj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `gems submit` and `gems jobs` against a loopback server: their exit codes (0 ok, 1 job not
 * successful, 2 bad input, 3 unreachable or refused) and output.
 */
class ClientCommandsTest {
  @TempDir Path dir;

  @Test
  void exitCodesSayWhatHappened() throws Exception {
    Path data = ServeFixtures.tinyDataset(dir.resolve("root/shop"));
    Path token = Files.writeString(dir.resolve("token"), ServeFixtures.TOKEN);
    Path wrongToken = Files.writeString(dir.resolve("wrong"), "wrong-token-0123456789abcdef");
    Path spec = Files.writeString(dir.resolve("spec.json"), "{\"dataset_path\": \"shop\", \"method\": \"full\", "
        + "\"steps\": 50, \"batch_size\": 4, \"history\": 2, \"maxTokens\": 24, \"decoder_ffn\": 64}");
    Path escape = Files.writeString(dir.resolve("escape.json"), "{\"dataset_path\": \"../../\"}");
    Path unknownField = Files.writeString(dir.resolve("unknown.json"), "{\"dataset_path\": \"shop\", \"stepz\": 3}");
    try (GemsServer server = GemsServer.start(ServeFixtures.config(dir.resolve("server"), dir.resolve("root"),
        Duration.ofSeconds(20)))) {
      String at = "127.0.0.1:" + server.port();
      assertEquals(2, ServeFixtures.cli("submit", escape.toString(), "--server", at, "--token-file", token.toString()).code());
      assertEquals(2, ServeFixtures.cli("submit", unknownField.toString(), "--server", at, "--token-file", token.toString()).code());
      assertEquals(3, ServeFixtures.cli("jobs", "list", "--server", at, "--token-file", wrongToken.toString()).code());
      assertEquals(3, ServeFixtures.cli("jobs", "list", "--server", "127.0.0.1:1", "--token-file", token.toString()).code());
      assertEquals(2, ServeFixtures.cli("jobs", "get", "j-000042", "--server", at, "--token-file", token.toString()).code());

      ServeFixtures.CliResult submitted = ServeFixtures.cli("submit", spec.toString(), "--server", at, "--token-file", token.toString(), "--request-id", "a");
      assertEquals(0, submitted.code());
      String id = submitted.out().strip();
      assertEquals("j-000001", id);
      assertEquals(0, ServeFixtures.cli("jobs", "cancel", id, "--server", at, "--token-file", token.toString(), "--wait").code());
      ServeFixtures.CliResult watched = ServeFixtures.cli("jobs", "watch", id, "--server", at, "--token-file", token.toString());
      assertEquals(1, watched.code()); // CANCELLED
      assertTrue(watched.out().contains("CANCELLED"), watched.out());
      // it was stopped before any step finished: nothing to resume from
      assertEquals(2, ServeFixtures.cli("jobs", "resume", id, "--server", at, "--token-file", token.toString()).code());
      ServeFixtures.CliResult listed = ServeFixtures.cli("jobs", "list", "--state", "cancelled", "--server", at, "--token-file", token.toString());
      assertEquals(0, listed.code());
      assertTrue(listed.out().startsWith(id + " "), listed.out());
    }
  }

}
