package org.gemsj.cli;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.gemsj.io.Utf8Lines;
import org.gemsj.serve.GemsClient;
import picocli.CommandLine.Option;

/**
 * How client commands reach a `gems serve`, and their exit codes:
 * 0 ok (a waited-for job SUCCEEDED), 1 the job FAILED or was CANCELLED, 2 bad input (the
 * server's INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, or a local error),
 * 3 server unreachable or authentication refused, 4 any other server error.
 */
final class ClientOptions {
  static final int OK = 0, JOB_UNSUCCESSFUL = 1, BAD_INPUT = 2, UNREACHABLE = 3, SERVER_ERROR = 4;

  @Option(names = "--server", description = "HOST:PORT of gems serve (default: $GEMS_SERVER or 127.0.0.1:7070)")
  String server;
  @Option(names = "--token-file", description = "file holding the bearer token (default: $GEMS_TOKEN)")
  Path tokenFile;
  @Option(names = "--tls-ca", description = "connect with TLS, trusting this PEM certificate")
  Path tlsCa;
  @Option(names = "--tls-authority", description = "server name to check in its certificate (default: the host)")
  String authority;

  ManagedChannel channel() throws IOException {
    String target = server != null ? server : System.getenv().getOrDefault("GEMS_SERVER", "127.0.0.1:7070");
    String token = tokenFile != null ? Utf8Lines.readFile(tokenFile).strip() : System.getenv("GEMS_TOKEN");
    return GemsClient.channel(target, token, tlsCa, authority);
  }

  /** Runs {@code body} with a channel, turning gRPC failures into a message and an exit code. */
  int call(ChannelBody body) throws Exception {
    ManagedChannel ch = channel();
    try {
      return body.run(ch);
    } catch (StatusRuntimeException e) {
      String where = e.getStatus().getCode() == Status.Code.UNAVAILABLE ? " (server " + ch.authority() + ")" : "";
      System.err.println("gems: " + e.getStatus().getCode() + ": " + e.getStatus().getDescription() + where);
      return exitCode(e.getStatus().getCode());
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  static int exitCode(Status.Code code) {
    return switch (code) {
      case OK -> OK;
      case INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, OUT_OF_RANGE -> BAD_INPUT;
      case UNAVAILABLE, UNAUTHENTICATED, PERMISSION_DENIED, DEADLINE_EXCEEDED -> UNREACHABLE;
      default -> SERVER_ERROR;
    };
  }

  interface ChannelBody {
    int run(ManagedChannel channel) throws Exception;
  }
}
