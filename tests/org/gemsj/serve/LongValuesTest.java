package org.gemsj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.gemsj.serve.proto.GetJobRequest;
import org.gemsj.serve.proto.JobServiceGrpc;
import org.gemsj.serve.proto.SubmitJobRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue "Hardening", item 7: long invalid values get a short, escaped quote in a prompt reply. */
class LongValuesTest {
  @TempDir Path dir;

  @Test
  void longInvalidValuesAreQuotedShortAndAnsweredAtOnce() throws Exception {
    Path data = ServeFixtures.tinyDataset(dir.resolve("root/shop"));
    try (GemsServer server = GemsServer.start(ServeFixtures.config(dir.resolve("server"), dir.resolve("root"),
        Duration.ofSeconds(20)))) {
      ManagedChannel ch = ServeFixtures.channel(server.port());
      var jobs = JobServiceGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS);
      String method = "x".repeat(3000);
      String d1 = refused(() -> jobs.submitJob(SubmitJobRequest.newBuilder()
          .setSpec(ServeFixtures.tinySpec(data, 2).toBuilder().setMethod(method)).build()));
      assertTrue(d1.startsWith("spec.method: '" + "x".repeat(SpecException.QUOTED) + "' (cut; 3000 characters) is not one of"), d1);
      String path = "/" + "p\u0007\n".repeat(34_000); // 100 KB with control characters
      String d2 = refused(() -> jobs.submitJob(SubmitJobRequest.newBuilder()
          .setSpec(ServeFixtures.tinySpec(Path.of("/x"), 2).toBuilder().setDatasetPath(path)).build()));
      assertTrue(d2.contains("\\u0007\\u000a") && d2.contains("(cut; 102001 characters)") && d2.length() < 800, d2);
      String d3 = refused(() -> jobs.getJob(GetJobRequest.newBuilder().setJobId("j-" + "9".repeat(100_000)).build()));
      assertTrue(d3.length() < 400, d3);
      ch.shutdownNow();
    }
  }

  private static String refused(org.junit.jupiter.api.function.Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
    return e.getStatus().getDescription();
  }
}
