package org.gemsj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.SelfSignedCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.gemsj.serve.proto.JobServiceGrpc;
import org.gemsj.serve.proto.JobSpec;
import org.gemsj.serve.proto.ListJobsRequest;
import org.gemsj.serve.proto.SubmitJobRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS with a self-signed certificate over loopback, with the message size limit; the in-process transport. */
class TlsAndInProcessTest {
  @TempDir Path dir;

  @Test
  void servesOverTlsToAClientThatTrustsTheCertificate() throws Exception {
    Files.createDirectories(dir.resolve("root"));
    SelfSignedCertificate cert = new SelfSignedCertificate("localhost");
    ServerConfig plain = ServeFixtures.config(dir.resolve("server"), dir.resolve("root"), Duration.ofSeconds(5));
    ServerConfig tls = new ServerConfig(plain.host(), 0, plain.dataDir(), plain.dataRoots(), plain.tokens(), false,
        cert.certificate().toPath(), cert.privateKey().toPath(), Map.of(), plain.runner(), plain.maxMessageBytes(), List.of(),
        plain.inference(), plain.maxWaiting());
    try (GemsServer server = GemsServer.start(tls)) {
      ManagedChannel secure = GemsClient.channel("127.0.0.1:" + server.port(), ServeFixtures.TOKEN,
          cert.certificate().toPath(), "localhost");
      ManagedChannel cleartext = ServeFixtures.channel(server.port());
      try {
        assertEquals(0, JobServiceGrpc.newBlockingStub(secure).listJobs(ListJobsRequest.getDefaultInstance()).getJobsCount());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
            () -> JobServiceGrpc.newBlockingStub(cleartext).listJobs(ListJobsRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        // a request over the server's 1 MiB limit is refused before it is parsed
        e = assertThrows(StatusRuntimeException.class, () -> JobServiceGrpc.newBlockingStub(secure).submitJob(
            SubmitJobRequest.newBuilder().setSpec(JobSpec.newBuilder().setDatasetPath("d".repeat(2 << 20))).build()));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
      } finally {
        secure.shutdownNow();
        cleartext.shutdownNow();
        cert.delete();
      }
    }
  }

  /** The services server reflection lists (what grpcurl list prints). */
  private static List<String> reflectedServices(ManagedChannel ch) throws Exception {
    var done = new java.util.concurrent.CompletableFuture<List<String>>();
    var requests = io.grpc.reflection.v1.ServerReflectionGrpc.newStub(ch).serverReflectionInfo(
        new io.grpc.stub.StreamObserver<io.grpc.reflection.v1.ServerReflectionResponse>() {
          @Override
          public void onNext(io.grpc.reflection.v1.ServerReflectionResponse r) {
            done.complete(r.getListServicesResponse().getServiceList().stream()
                .map(io.grpc.reflection.v1.ServiceResponse::getName).sorted().toList());
          }

          @Override
          public void onError(Throwable t) {
            done.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    requests.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("").build());
    List<String> names = done.get(10, java.util.concurrent.TimeUnit.SECONDS);
    requests.onCompleted();
    return names;
  }

  @Test
  void inProcessServerNamesInvalidFields() throws Exception {
    Files.createDirectories(dir.resolve("root"));
    String name = InProcessServerBuilder.generateName();
    ServerConfig c = ServeFixtures.config(dir.resolve("server"), dir.resolve("root"), Duration.ofSeconds(5));
    try (GemsServer server = GemsServer.start(InProcessServerBuilder.forName(name).directExecutor(), c)) {
      ManagedChannel ch = InProcessChannelBuilder.forName(name).directExecutor()
          .intercept(GemsClient.bearer(ServeFixtures.TOKEN)).build();
      try {
        var jobs = JobServiceGrpc.newBlockingStub(ch);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
            () -> jobs.submitJob(SubmitJobRequest.newBuilder().setSpec(JobSpec.getDefaultInstance()).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("spec.dataset_path: is required"));
        var badRequest = io.grpc.protobuf.StatusProto.fromThrowable(e).getDetails(0).unpack(com.google.rpc.BadRequest.class);
        assertEquals("spec.dataset_path", badRequest.getFieldViolations(0).getField());
        e = assertThrows(StatusRuntimeException.class, () -> jobs.submitJob(SubmitJobRequest.newBuilder()
            .setRequestId("x".repeat(129)).setSpec(JobSpec.getDefaultInstance()).build()));
        assertTrue(e.getStatus().getDescription().startsWith("request_id:"));
        e = assertThrows(StatusRuntimeException.class, () -> jobs.listJobs(ListJobsRequest.newBuilder().setPageSize(5000).build()));
        assertTrue(e.getStatus().getDescription().startsWith("page_size:"));
        assertEquals(List.of("gems.v1.InferenceService", "gems.v1.JobService", "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"), reflectedServices(ch));
      } finally {
        ch.shutdownNow();
      }
    }
  }
}
