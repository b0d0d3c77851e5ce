package org.gemsj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.BadRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.nio.file.Path;
import java.time.Duration;
import org.gemsj.serve.proto.JobServiceGrpc;
import org.gemsj.serve.proto.JobSpec;
import org.gemsj.serve.proto.ListJobsRequest;
import org.gemsj.serve.proto.SubmitJobRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue "Hardening", item 6: SubmitJob refuses, with the field, the specs that `gems train`
 * refuses (they were accepted, then FAILED), because it runs the trainer's own checks.
 */
class SpecValidationTest {
  @TempDir Path dir;

  @Test
  void specsTheTrainerRefusesAreRefusedAtSubmit() throws Exception {
    Path data = ServeFixtures.tinyDataset(dir.resolve("root/shop"));
    try (GemsServer server = GemsServer.start(ServeFixtures.config(dir.resolve("server"), dir.resolve("root"),
        Duration.ofSeconds(20)))) {
      ManagedChannel ch = ServeFixtures.channel(server.port());
      var jobs = JobServiceGrpc.newBlockingStub(ch);
      JobSpec ok = ServeFixtures.tinySpec(data, 2);
      refused(jobs, ok.toBuilder().setBatchSize(1).build(), "spec.batch_size", "--batch-size must be >= 2");
      refused(jobs, ok.toBuilder().setMaxTokens(4).build(), "spec.max_tokens", "--max-tokens must be in [8, 512]");
      refused(jobs, ok.toBuilder().setMethod("lora").setNoNullSpace(true).build(), "spec.no_null_space",
          "are ablations of --method gems");
      refused(jobs, ok.toBuilder().setIds("semantic").setCodebook(1).build(), "spec.codebook",
          "--codebook must be >= 2 for semantic ids");
      refused(jobs, ok.toBuilder().setMethod("full").setGates("running").build(), "spec.gates",
          "--gates running sets the gates of the task subspaces");
      assertEquals(0, jobs.listJobs(ListJobsRequest.getDefaultInstance()).getJobsCount(), "a refused spec left a job");
      ch.shutdownNow();
    }
  }

  private static void refused(JobServiceGrpc.JobServiceBlockingStub jobs, JobSpec spec, String field, String text)
      throws Exception {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> jobs.submitJob(SubmitJobRequest.newBuilder().setSpec(spec).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith(field + ": ") && e.getStatus().getDescription().contains(text),
        e.getStatus().getDescription());
    BadRequest detail = StatusProto.fromThrowable(e).getDetails(0).unpack(BadRequest.class);
    assertEquals(field, detail.getFieldViolations(0).getField());
  }
}
