package org.gemsj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.gemsj.serve.proto.Job;
import org.gemsj.serve.proto.JobEvent;
import org.gemsj.serve.proto.JobServiceGrpc;
import org.gemsj.serve.proto.JobState;
import org.gemsj.serve.proto.SubmitJobRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue "Hardening", items 1-3, over the server's socket: a job reads only files that really lie
 * inside the data roots when its worker opens them, and a refusal reveals nothing outside them.
 */
class DataConfinementTest {
  private static final String SECRET = "SECRET-MARKER-8c1f2e";

  @TempDir Path dir;

  @Test
  void jobsReadOnlyInsideTheRootsAtTheMomentOfUse() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Path rootAlias = Files.createSymbolicLink(dir.resolve("root-as-configured"), root);
    Path secret = Files.writeString(dir.resolve("server-secret.txt"), SECRET + "\n");
    Path outsideShop = ServeFixtures.tinyDataset(dir.resolve("elsewhere/shop"));
    // 1: a dataset directory inside whose items.jsonl is a symlink to a file outside
    Path leak = Files.createDirectories(root.resolve("leak"));
    Files.copy(outsideShop.resolve("events.jsonl"), leak.resolve("events.jsonl"));
    Files.createSymbolicLink(leak.resolve("items.jsonl"), secret);
    // 2: a valid dataset at submit, replaced by a symlink to one outside before the worker reads it
    Path swap = ServeFixtures.tinyDataset(root.resolve("swap"));

    try (GemsServer server = GemsServer.start(ServeFixtures.config(dir.resolve("server"), rootAlias,
        Duration.ofSeconds(20)))) {
      ManagedChannel ch = ServeFixtures.channel(server.port());
      var jobs = JobServiceGrpc.newBlockingStub(ch);

      String leakId = jobs.submitJob(SubmitJobRequest.newBuilder().setSpec(ServeFixtures.tinySpec(leak, 2)).build())
          .getJob().getId();
      List<JobEvent> leakEvents = ServeFixtures.watch(jobs, leakId);
      Job leaked = ServeFixtures.last(leakEvents);
      assertEquals(JobState.JOB_STATE_FAILED, leaked.getState(), leaked.getReason());
      assertTrue(leaked.getReason().contains("items.jsonl resolves outside the data roots [" + rootAlias + "]"),
          leaked.getReason());
      for (JobEvent e : leakEvents) {
        assertFalse(e.toString().contains(SECRET), "the outside file's content reached a client: " + e);
        assertFalse(e.toString().contains("server-secret"), "the symlink's target reached a client: " + e);
      }

      String swapId = jobs.submitJob(SubmitJobRequest.newBuilder().setSpec(ServeFixtures.tinySpec(swap, 2)).build())
          .getJob().getId();
      Path aside = dir.resolve("swap-aside");
      Files.move(swap, aside);
      Path link = Files.createSymbolicLink(root.resolve("swap.tmp"), outsideShop);
      Files.move(link, swap, StandardCopyOption.ATOMIC_MOVE); // a worker starts in seconds; this takes microseconds
      Job swapped = ServeFixtures.last(ServeFixtures.watch(jobs, swapId));
      assertEquals(JobState.JOB_STATE_FAILED, swapped.getState(), "trained on data outside the roots: "
          + swapped.getReason());
      assertTrue(swapped.getReason().contains("resolves outside the data roots"), swapped.getReason());

      // item 10: a bad dataset's job reason is its first error, not the error list's last line ("and N more")
      Path bad = Files.createDirectories(root.resolve("bad"));
      Files.writeString(bad.resolve("items.jsonl"), "{\"id\": 1}\n".repeat(30));
      Files.copy(outsideShop.resolve("events.jsonl"), bad.resolve("events.jsonl"));
      String badId = jobs.submitJob(SubmitJobRequest.newBuilder().setSpec(ServeFixtures.tinySpec(bad, 2)).build())
          .getJob().getId();
      Job failed = ServeFixtures.last(ServeFixtures.watch(jobs, badId));
      assertEquals(JobState.JOB_STATE_FAILED, failed.getState());
      assertTrue(failed.getReason().contains("errors; the first: items.jsonl:1: field 'id'"), failed.getReason());

      // 3: outside the roots, existing or not, the same answer; the roots as configured, not their real path
      String existing = refusal(jobs, outsideShop.toString());
      String missing = refusal(jobs, dir.resolve("elsewhere/no-such-dir").toString());
      assertEquals(existing.replace(outsideShop.toString(), "X"),
          missing.replace(dir.resolve("elsewhere/no-such-dir").toString(), "X"));
      assertTrue(existing.contains("is outside the server's data roots [" + rootAlias + "]"), existing);
      assertFalse(existing.contains(root.toRealPath().toString() + "]"), existing);
      ch.shutdownNow();
    }
  }

  private static String refusal(JobServiceGrpc.JobServiceBlockingStub jobs, String path) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> jobs.submitJob(
        SubmitJobRequest.newBuilder().setSpec(ServeFixtures.tinySpec(Path.of(path), 2)).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    return e.getStatus().getDescription();
  }
}
