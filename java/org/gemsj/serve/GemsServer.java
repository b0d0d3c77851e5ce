package org.gemsj.serve;

import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import org.gemsj.serve.proto.InferenceServiceGrpc;
import org.gemsj.serve.proto.JobServiceGrpc;
import org.gemsj.worker.WorkerLauncher;

/**
 * `gems serve`: JobService, InferenceService, grpc.health.v1 and server reflection on one port,
 * behind bearer-token authentication, optionally over TLS. {@link #start(ServerBuilder, ServerConfig)}
 * takes any builder, so tests can serve in-process.
 */
public final class GemsServer implements AutoCloseable {
  private final Server server;
  private final JobStore store;
  private final JobRunner runner;
  private final ModelRegistry models;
  private final HealthStatusManager health = new HealthStatusManager();

  private GemsServer(ServerBuilder<?> builder, ServerConfig c) throws Exception {
    BearerAuth auth = c.tokens().isEmpty() ? null : new BearerAuth(c.tokens()); // refused before anything is created
    DataRoots roots = new DataRoots(c.dataRoots());
    Files.createDirectories(c.dataDir());
    store = new JobStore(c.dataDir());
    JobLedger ledger = new JobLedger(store);
    runner = new JobRunner(ledger, c.dataDir(), c.dataRoots(), WorkerLauncher.ofCurrentJvm(c.workerJvmOptions()),
        c.runner());
    models = new ModelRegistry(c.models(), store, runner, c.inference());
    models.loadNamed();
    var jobs = new JobServiceImpl(ledger, runner, roots);
    var inference = new InferenceServiceImpl(models, c.inference().inFlight(), c.maxWaiting());
    builder.addService(guard(jobs.bindService(), auth))
        .addService(guard(inference.bindService(), auth))
        .addService(guard(ProtoReflectionServiceV1.newInstance().bindService(), auth))
        .addService(guard(legacyReflection(), auth))
        .addService(health.getHealthService())
        .maxInboundMessageSize(c.maxMessageBytes());
    if (c.tlsCert() != null) {
      builder.useTransportSecurity(c.tlsCert().toFile(), c.tlsKey().toFile());
    }
    runner.start(); // recovery first: jobs left RUNNING are settled before any call is served
    server = builder.build().start();
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus(JobServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    health.setStatus(InferenceServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
  }

  /** Serves on {@code builder} (e.g. an in-process builder in tests). */
  public static GemsServer start(ServerBuilder<?> builder, ServerConfig config) throws Exception {
    return new GemsServer(builder, config);
  }

  /** Serves on TCP at the configured host and port. */
  public static GemsServer start(ServerConfig config) throws Exception {
    return start(NettyServerBuilder.forAddress(new InetSocketAddress(config.host(), config.port())), config);
  }

  /** grpc.reflection.v1alpha too: older grpcurl and grpc_cli releases ask only for it. */
  @SuppressWarnings("deprecation")
  private static ServerServiceDefinition legacyReflection() {
    return ProtoReflectionService.newInstance().bindService();
  }

  private static ServerServiceDefinition guard(ServerServiceDefinition s, BearerAuth auth) {
    return auth == null ? s : ServerInterceptors.intercept(s, auth);
  }

  /** The bound TCP port (-1 in-process). */
  public int port() {
    return server.getPort();
  }

  public JobRunner runner() {
    return runner;
  }

  /**
   * Stops serving, stops the workers (their jobs stay RUNNING and resume at the next start) and
   * closes the store.
   */
  @Override
  public void close() throws Exception {
    health.enterTerminalState();
    server.shutdown();
    if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
      server.shutdownNow();
    }
    runner.close();
    models.close();
    store.close();
  }
}
