package org.gemsj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.gemsj.eval.MetricsJson;
import org.gemsj.serve.proto.Job;
import org.gemsj.serve.proto.JobServiceGrpc;
import org.gemsj.serve.proto.JobState;
import org.gemsj.serve.proto.SubmitJobRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue "Hardening", item 4: a server whose jobs.db was emptied refuses to start instead of
 * giving old job ids to new jobs, and a job never adopts a directory that belongs to another.
 */
class JobDirectoryOwnershipTest {
  @TempDir Path dir;

  @Test
  void anEmptiedDatabaseIsNamedAndOldRunsAreNeverAdopted() throws Exception {
    Path data = ServeFixtures.tinyDataset(dir.resolve("root/shop"));
    Path serverDir = dir.resolve("server");
    ServerConfig config = ServeFixtures.config(serverDir, dir.resolve("root"), Duration.ofSeconds(20));
    String id;
    try (GemsServer server = GemsServer.start(config)) {
      ManagedChannel ch = ServeFixtures.channel(server.port());
      var jobs = JobServiceGrpc.newBlockingStub(ch);
      id = jobs.submitJob(SubmitJobRequest.newBuilder().setSpec(ServeFixtures.tinySpec(data, 2)).build()).getJob().getId();
      assertEquals(JobState.JOB_STATE_SUCCEEDED, ServeFixtures.last(ServeFixtures.watch(jobs, id)).getState());
      // item 12: a 0-byte state.json is no checkpoint (it was listed as "step 0")
      Path state = server.runner().outDir(id).resolve("checkpoint").resolve("state.json");
      byte[] saved = Files.readAllBytes(state);
      Files.write(state, new byte[0]);
      assertEquals(0, jobs.listCheckpoints(org.gemsj.serve.proto.ListCheckpointsRequest.newBuilder().setJobId(id).build())
          .getCheckpointsCount());
      Files.write(state, saved);
      assertEquals(2, jobs.listCheckpoints(org.gemsj.serve.proto.ListCheckpointsRequest.newBuilder().setJobId(id).build())
          .getCheckpoints(0).getStep());
      ch.shutdownNow();
    }
    Path metrics = serverDir.resolve("jobs").resolve(id).resolve("out").resolve(MetricsJson.FILE_NAME);
    byte[] before = Files.readAllBytes(metrics);

    Files.write(serverDir.resolve(JobStore.FILE_NAME), new byte[0]); // the database lost, as a 0-byte file
    for (String side : List.of("-wal", "-shm", "-journal")) {
      Files.deleteIfExists(serverDir.resolve(JobStore.FILE_NAME + side));
    }
    IOException e = assertThrows(IOException.class, () -> GemsServer.start(config).close());
    assertTrue(e.getMessage().contains("holds 1 job directory that " + serverDir.resolve(JobStore.FILE_NAME)
        + " does not know (" + id + "): the database was lost or replaced"), e.getMessage());
    assertEquals(new String(before), new String(Files.readAllBytes(metrics)), "the old run was touched");

    // a directory that appears for an id the database hands out next is not adopted
    Files.move(serverDir.resolve("jobs"), dir.resolve("jobs-aside"));
    try (GemsServer server = GemsServer.start(config)) {
      Path foreign = Files.createDirectories(serverDir.resolve("jobs").resolve("j-000001"));
      Files.writeString(foreign.resolve(JobRunner.OWNER), "{\"id\":\"j-000001\",\"created_ms\":12345}");
      ManagedChannel ch = ServeFixtures.channel(server.port());
      var jobs = JobServiceGrpc.newBlockingStub(ch);
      String next = jobs.submitJob(SubmitJobRequest.newBuilder().setSpec(ServeFixtures.tinySpec(data, 2)).build())
          .getJob().getId();
      assertEquals("j-000001", next);
      Job refused = ServeFixtures.last(ServeFixtures.watch(jobs, next));
      assertEquals(JobState.JOB_STATE_FAILED, refused.getState());
      assertTrue(refused.getReason().contains("belongs to another job"), refused.getReason());
      assertTrue(!Files.exists(foreign.resolve("out")), "a worker ran in the foreign directory");
      ch.shutdownNow();
    }
  }
}
