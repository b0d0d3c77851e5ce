package org.gemsj.serve;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.gemsj.api.GemsModel;

/**
 * Everything `gems serve` is configured with.
 *
 * @param host address to listen on (127.0.0.1 by default: nothing outside the machine)
 * @param port TCP port; 0 picks a free one (the server prints it)
 * @param dataDir where jobs.db, jobs/ and cache/ live
 * @param dataRoots directories job specs may read datasets from
 * @param tokens bearer tokens; empty only with {@code allowNoAuth}
 * @param allowNoAuth serve without authentication (loopback development only)
 * @param tlsCert PEM certificate chain, or null for plaintext
 * @param tlsKey PEM PKCS#8 private key, with {@code tlsCert}
 * @param models extra models by name for InferenceService
 * @param runner job limits
 * @param maxMessageBytes largest request the server reads
 * @param workerJvmOptions JVM options of worker processes (e.g. -Xmx)
 * @param inference how each model runs its inferences (parallel calls, micro-batching)
 * @param maxWaiting queries that may wait for each model; more are refused with RESOURCE_EXHAUSTED
 */
public record ServerConfig(String host, int port, Path dataDir, List<Path> dataRoots, List<String> tokens,
    boolean allowNoAuth, Path tlsCert, Path tlsKey, Map<String, Path> models, JobRunner.Options runner,
    int maxMessageBytes, List<String> workerJvmOptions, GemsModel.Policy inference, int maxWaiting) {
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 1 << 20;
  /** Queries that may wait for one model: 64 at ~30 ms each is about 2 s of work queued on an idle 2-core machine. */
  public static final int DEFAULT_MAX_WAITING = 64;
  /** gems serve's micro-batching: a 2 ms window (measured, docs/PERFORMANCE.md) and batches of at most 8. */
  public static final long DEFAULT_BATCH_WINDOW_MS = 2;
  public static final int DEFAULT_MAX_BATCH = 8;

  public ServerConfig {
    dataRoots = List.copyOf(dataRoots);
    tokens = List.copyOf(tokens);
    models = Map.copyOf(models);
    workerJvmOptions = List.copyOf(workerJvmOptions);
    if (tokens.isEmpty() && !allowNoAuth) {
      throw new IllegalArgumentException("no bearer tokens: give --token-file FILE or GEMS_SERVER_TOKENS, "
          + "or --insecure-no-auth for a loopback-only development server");
    }
    if (maxWaiting < 1) {
      throw new IllegalArgumentException("--max-waiting must be >= 1, got " + maxWaiting);
    }
    Objects.requireNonNull(inference, "inference");
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("TLS needs both --tls-cert and --tls-key");
    }
  }
}
