package dev.eventkit.gcp.pubsub;

import com.google.pubsub.v1.PublishRequest;
import com.google.pubsub.v1.PublishResponse;
import com.google.pubsub.v1.Topic;
import dev.eventkit.gcp.testing.UserAgents;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Pub/Sub Publisher service on loopback (plaintext gRPC) for a publisher without the right to create topics, which
 * the emulator cannot play (it grants everything): {@code CreateTopic} answers PERMISSION_DENIED, as the service
 * does for a principal lacking {@code pubsub.topics.create}; {@code Publish} to a topic that does not exist answers
 * NOT_FOUND. {@link #operatorCreates} makes a topic exist, as an operator would. Tests only; thread-safe.
 */
final class FakePublisherApi implements AutoCloseable {

  private static final String SERVICE = "google.pubsub.v1.Publisher";

  private final Set<String> topics = new HashSet<>();
  private final UserAgents userAgents = new UserAgents();
  private final AtomicInteger published = new AtomicInteger();
  private final AtomicInteger createAttempts = new AtomicInteger();
  private final Server server;

  FakePublisherApi() throws IOException {
    // The generated service stub is not a dependency of the client library; the two methods are declared here.
    ServerServiceDefinition service = ServerServiceDefinition.builder(SERVICE)
        .addMethod(method("CreateTopic", Topic.getDefaultInstance(), Topic.getDefaultInstance()),
            ServerCalls.asyncUnaryCall(this::createTopic))
        .addMethod(method("Publish", PublishRequest.getDefaultInstance(), PublishResponse.getDefaultInstance()),
            ServerCalls.asyncUnaryCall(this::publish))
        .build();
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(ServerInterceptors.intercept(service, userAgents)).build().start();
  }

  String address() {
    return "127.0.0.1:" + server.getPort();
  }

  synchronized void operatorCreates(String topicName) {
    topics.add(topicName);
  }

  /** The {@code user-agent} of every call. */
  List<String> userAgents() {
    return userAgents.seen();
  }

  int published() {
    return published.get();
  }

  int createAttempts() {
    return createAttempts.get();
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static <Q extends com.google.protobuf.Message, R extends com.google.protobuf.Message> MethodDescriptor<Q, R> method(
      String name, Q request, R response) {
    return MethodDescriptor.<Q, R>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(ProtoUtils.marshaller(request)).setResponseMarshaller(ProtoUtils.marshaller(response))
        .build();
  }

  private void createTopic(Topic request, StreamObserver<Topic> out) {
    createAttempts.incrementAndGet();
    out.onError(Status.PERMISSION_DENIED.withDescription("User not authorized to perform this action.")
        .asRuntimeException());
  }

  private void publish(PublishRequest request, StreamObserver<PublishResponse> out) {
    boolean exists;
    synchronized (this) {
      exists = topics.contains(request.getTopic());
    }
    if (!exists) {
      out.onError(Status.NOT_FOUND.withDescription("Resource not found (resource=" + request.getTopic() + ").")
          .asRuntimeException());
      return;
    }
    PublishResponse.Builder r = PublishResponse.newBuilder();
    for (int i = 0; i < request.getMessagesCount(); i++) {
      r.addMessageIds(String.valueOf(published.incrementAndGet()));
    }
    out.onNext(r.build());
    out.onCompleted();
  }
}
