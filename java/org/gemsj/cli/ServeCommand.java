package org.gemsj.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.gemsj.api.GemsModel;
import org.gemsj.serve.BearerAuth;
import org.gemsj.serve.GemsServer;
import org.gemsj.serve.JobRunner;
import org.gemsj.serve.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `gems serve`: the gRPC control plane (docs/SERVING.md). */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Serve the gRPC JobService and InferenceService (docs/SERVING.md).")
final class ServeCommand implements Callable<Integer> {
  @Option(names = "--port", description = "TCP port (default 7070; 0: any free port)") int port = 7070;
  @Option(names = "--host", description = "address to listen on (default 127.0.0.1)") String host = "127.0.0.1";
  @Option(names = "--data-dir", required = true, description = "jobs database, job directories, caches") Path dataDir;
  @Option(names = "--data-root", description = "directory job specs may read datasets from (repeatable; default DATA_DIR/datasets)")
  List<Path> dataRoots = new ArrayList<>();
  @Option(names = "--token-file", description = "bearer tokens, one per line (or $GEMS_SERVER_TOKENS, comma-separated)")
  Path tokenFile;
  @Option(names = "--insecure-no-auth", description = "accept calls without a token (development on loopback only)")
  boolean noAuth;
  @Option(names = "--tls-cert", description = "PEM certificate chain: serve TLS") Path tlsCert;
  @Option(names = "--tls-key", description = "PEM PKCS#8 private key of --tls-cert") Path tlsKey;
  @Option(names = "--model", description = "NAME=DIR: a saved model InferenceService answers as NAME (repeatable)")
  Map<String, Path> models = new LinkedHashMap<>();
  @Option(names = "--max-running", description = "jobs trained at once (default 1)") int maxRunning = 1;
  @Option(names = "--max-queue", description = "jobs waiting at most (default 100)") int maxQueue = 100;
  @Option(names = "--cancel-grace", description = "seconds from SIGTERM to SIGKILL of a cancelled worker (default "
      + JobRunner.Options.DEFAULT_CANCEL_GRACE_S + ": longer than a worker of nproc > 1 gives its ranks)")
  int cancelGrace = JobRunner.Options.DEFAULT_CANCEL_GRACE_S;
  @Option(names = "--max-message-bytes", description = "largest request accepted (default 1 MiB)")
  int maxMessageBytes = ServerConfig.DEFAULT_MAX_MESSAGE_BYTES;
  @Option(names = "--parallel-calls", description = "inferences each model runs at once (default "
      + GemsModel.DEFAULT_PARALLEL_CALLS + "; each call also uses libtorch's intra-op threads)")
  int parallelCalls = GemsModel.DEFAULT_PARALLEL_CALLS;
  @Option(names = "--batch-window-ms", description = "micro-batching: searches, recommendations and re-ranks "
      + "arriving within this many milliseconds run as one batch (default " + ServerConfig.DEFAULT_BATCH_WINDOW_MS
      + ", measured: docs/PERFORMANCE.md; 0: off)")
  long batchWindowMs = ServerConfig.DEFAULT_BATCH_WINDOW_MS;
  @Option(names = "--max-batch", description = "requests in one micro-batch at most (default "
      + ServerConfig.DEFAULT_MAX_BATCH + ")") int maxBatch = ServerConfig.DEFAULT_MAX_BATCH;
  @Option(names = "--max-waiting", description = "queries that may wait for one model; more are refused with "
      + "RESOURCE_EXHAUSTED (default " + ServerConfig.DEFAULT_MAX_WAITING + ")")
  int maxWaiting = ServerConfig.DEFAULT_MAX_WAITING;
  @Option(names = "--worker-jvm-option", description = "JVM option of worker processes (repeatable), e.g. -Xmx8g")
  List<String> workerJvmOptions = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    if (maxRunning < 1 || maxQueue < 1 || cancelGrace < 0) {
      throw new IllegalArgumentException("--max-running and --max-queue must be >= 1, --cancel-grace >= 0");
    }
    List<String> tokens = tokenFile != null ? BearerAuth.readTokens(tokenFile)
        : BearerAuth.parseTokens(System.getenv("GEMS_SERVER_TOKENS"));
    List<Path> roots = new ArrayList<>(dataRoots);
    if (roots.isEmpty()) {
      roots.add(dataDir.resolve("datasets"));
      Files.createDirectories(roots.get(0));
    }
    ServerConfig config = new ServerConfig(host, port, dataDir, roots, tokens, noAuth, tlsCert, tlsKey, models,
        new JobRunner.Options(maxRunning, maxQueue, Duration.ofSeconds(cancelGrace), JobRunner.Options.DEFAULTS.maxAttempts()),
        maxMessageBytes, workerJvmOptions, new GemsModel.Policy(parallelCalls, Duration.ofMillis(batchWindowMs), maxBatch),
        maxWaiting);
    GemsServer server = GemsServer.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.close(); // workers stop; their jobs resume at the next start
      } catch (Exception e) {
        System.err.println("gems serve: " + e);
      }
      stopped.countDown();
    }, "gems-serve-stop"));
    System.out.println("gems serve: listening on " + host + ":" + server.port() + (tlsCert != null ? " (TLS)" : "")
        + ", data " + dataDir.toAbsolutePath() + ", data roots " + roots);
    System.out.flush();
    stopped.await();
    return 0;
  }
}
