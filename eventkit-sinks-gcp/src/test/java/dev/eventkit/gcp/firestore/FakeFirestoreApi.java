package dev.eventkit.gcp.firestore;

import com.google.firestore.v1.BatchWriteRequest;
import com.google.firestore.v1.BatchWriteResponse;
import com.google.firestore.v1.WriteResult;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Firestore {@code BatchWrite} method on loopback (plaintext gRPC), answering UNAVAILABLE for the first
 * {@code failures} calls, as the service does while a backend is away, and success afterwards. It counts the calls,
 * so a test can tell whether the client retried on its own, and records the documents written. Tests only;
 * thread-safe.
 */
final class FakeFirestoreApi implements AutoCloseable {

  private static final String SERVICE = "google.firestore.v1.Firestore";

  private final AtomicInteger calls = new AtomicInteger();
  private final List<String> written = new CopyOnWriteArrayList<>();
  private final List<Long> callNanos = new CopyOnWriteArrayList<>();
  private final AtomicInteger failuresLeft;
  private final Server server;

  FakeFirestoreApi(int failures) throws IOException {
    failuresLeft = new AtomicInteger(failures);
    MethodDescriptor<BatchWriteRequest, BatchWriteResponse> batchWrite =
        MethodDescriptor.<BatchWriteRequest, BatchWriteResponse>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "BatchWrite"))
            .setRequestMarshaller(ProtoUtils.marshaller(BatchWriteRequest.getDefaultInstance()))
            .setResponseMarshaller(ProtoUtils.marshaller(BatchWriteResponse.getDefaultInstance()))
            .build();
    // The generated service stub is not a dependency of the client library; the one method is declared here.
    ServerServiceDefinition service = ServerServiceDefinition.builder(SERVICE)
        .addMethod(batchWrite, ServerCalls.asyncUnaryCall(this::batchWrite)).build();
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service).build()
        .start();
  }

  String address() {
    return "127.0.0.1:" + server.getPort();
  }

  int calls() {
    return calls.get();
  }

  /** The names of the documents written successfully, in order. */
  List<String> written() {
    return List.copyOf(written);
  }

  /** When each call arrived ({@link System#nanoTime}), in order. */
  List<Long> callNanos() {
    return List.copyOf(callNanos);
  }

  private void batchWrite(BatchWriteRequest request, StreamObserver<BatchWriteResponse> out) {
    calls.incrementAndGet();
    callNanos.add(System.nanoTime());
    if (failuresLeft.getAndDecrement() > 0) {
      out.onError(Status.UNAVAILABLE.withDescription("backend unavailable").asRuntimeException());
      return;
    }
    BatchWriteResponse.Builder r = BatchWriteResponse.newBuilder();
    for (int i = 0; i < request.getWritesCount(); i++) {
      written.add(request.getWrites(i).getUpdate().getName());
      r.addWriteResults(WriteResult.getDefaultInstance());
      r.addStatus(com.google.rpc.Status.newBuilder().setCode(0));
    }
    out.onNext(r.build());
    out.onCompleted();
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
}
