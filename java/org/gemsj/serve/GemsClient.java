package org.gemsj.serve;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.nio.file.Path;

/** Channels to a `gems serve`: plaintext or TLS, with the bearer token on every call. */
public final class GemsClient {
  private GemsClient() {}

  /**
   * A channel to {@code target} (host:port). {@code caCert} null means plaintext; otherwise TLS
   * trusting that PEM certificate, checking the server's name against {@code authority} when given.
   */
  public static ManagedChannel channel(String target, String token, Path caCert, String authority) throws IOException {
    NettyChannelBuilder b = NettyChannelBuilder.forTarget(target);
    if (caCert == null) {
      b.usePlaintext();
    } else {
      b.sslContext(GrpcSslContexts.forClient().trustManager(caCert.toFile()).build());
      if (authority != null) {
        b.overrideAuthority(authority);
      }
    }
    if (token != null && !token.isEmpty()) {
      b.intercept(bearer(token));
    }
    return b.build();
  }

  /** Adds {@code authorization: Bearer <token>} to every call. */
  public static ClientInterceptor bearer(String token) {
    Metadata m = new Metadata();
    m.put(BearerAuth.AUTHORIZATION, "Bearer " + token);
    return MetadataUtils.newAttachHeadersInterceptor(m);
  }
}
