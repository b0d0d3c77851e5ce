package org.gemsj.serve;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.gemsj.io.Utf8Lines;

/**
 * Bearer-token authentication: every call but the health check needs
 * {@code authorization: Bearer <token>} with one of the configured tokens (UNAUTHENTICATED
 * otherwise). Tokens are compared in constant time.
 */
public final class BearerAuth implements ServerInterceptor {
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  /** Health probes (load balancers, grpc_health_probe) carry no token. */
  private static final String OPEN_SERVICE = "grpc.health.v1.Health";

  private final List<byte[]> tokens;

  public BearerAuth(List<String> tokens) {
    if (tokens.isEmpty()) {
      throw new IllegalArgumentException("no bearer tokens configured");
    }
    List<byte[]> t = new ArrayList<>();
    for (String s : tokens) {
      if (s.length() < 16) {
        throw new IllegalArgumentException("a bearer token must have at least 16 characters");
      }
      t.add(s.getBytes(StandardCharsets.UTF_8));
    }
    this.tokens = List.copyOf(t);
  }

  /** Tokens from a file, one per line; blank lines and lines starting with # are skipped. */
  public static List<String> readTokens(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("--token-file " + file + ": no such file");
    }
    List<String> tokens = new ArrayList<>();
    try (Utf8Lines lines = new Utf8Lines(Files.newInputStream(file))) {
      for (String l; (l = lines.next()) != null; ) {
        String t = l.strip();
        if (t.isEmpty() || t.startsWith("#")) {
          continue;
        }
        if (t.length() < 16) { // refused here, before the server creates anything
          throw new IllegalArgumentException("--token-file " + file + ", line " + lines.lineNumber()
              + ": a bearer token must have at least 16 characters");
        }
        tokens.add(t);
      }
    } catch (Utf8Lines.MalformedLine e) {
      throw new IOException("--token-file " + file + ": " + e.getMessage(), e);
    }
    return tokens;
  }

  /** Tokens from an environment variable's value, separated by commas. */
  public static List<String> parseTokens(String value) {
    return value == null ? List.of()
        : Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    if (OPEN_SERVICE.equals(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    String auth = headers.get(AUTHORIZATION);
    String problem = null;
    if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      problem = "missing bearer token (metadata 'authorization: Bearer <token>')";
    } else if (!known(auth.substring(7).strip().getBytes(StandardCharsets.UTF_8))) {
      problem = "invalid bearer token";
    }
    if (problem != null) {
      call.close(Status.UNAUTHENTICATED.withDescription(problem), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }

  private boolean known(byte[] given) {
    boolean found = false;
    for (byte[] t : tokens) {
      found |= MessageDigest.isEqual(t, given); // no early exit: timing says nothing about which
    }
    return found;
  }
}
