package dev.eventkit.gcp.testing;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A gRPC server interceptor that records the {@code user-agent} of every call a loopback server receives. */
public final class UserAgents implements ServerInterceptor {

  private static final Metadata.Key<String> USER_AGENT =
      Metadata.Key.of("user-agent", Metadata.ASCII_STRING_MARSHALLER);
  private final List<String> seen = new CopyOnWriteArrayList<>();

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    seen.add(String.valueOf(headers.get(USER_AGENT)));
    return next.startCall(call, headers);
  }

  /** The user agents seen so far, in order. */
  public List<String> seen() {
    return List.copyOf(seen);
  }
}
