package dev.eventkit.gcp.bigquery;

import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.StandardSQLTypeName;
import com.google.cloud.bigquery.storage.v1.AppendRowsRequest;
import com.google.cloud.bigquery.storage.v1.AppendRowsResponse;
import com.google.cloud.bigquery.storage.v1.BigQueryWriteGrpc;
import com.google.cloud.bigquery.storage.v1.CreateWriteStreamRequest;
import com.google.cloud.bigquery.storage.v1.FinalizeWriteStreamRequest;
import com.google.cloud.bigquery.storage.v1.FinalizeWriteStreamResponse;
import com.google.cloud.bigquery.storage.v1.GetWriteStreamRequest;
import com.google.cloud.bigquery.storage.v1.StorageError;
import com.google.cloud.bigquery.storage.v1.TableFieldSchema;
import com.google.cloud.bigquery.storage.v1.TableSchema;
import com.google.cloud.bigquery.storage.v1.WriteStream;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Int64Value;
import dev.eventkit.gcp.testing.UserAgents;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Storage Write API server on loopback (plaintext gRPC) that keeps the service's offset rules, which the BigQuery
 * emulator does not enforce: an append at an offset below the stream's end is refused with ALREADY_EXISTS, above it
 * with OUT_OF_RANGE. It stores the event ids of appended rows per stream, and can be told to let the next append
 * land but never answer it — a lost acknowledgement — or to let it land and then fail the connection with
 * UNAVAILABLE, as the service does when a frontend drops a stream. It serves tables' {@code _default} streams
 * (created on first use) and, like the service, refuses an AppendRows request over 10 MB with INVALID_ARGUMENT.
 * Tests only; thread-safe.
 */
final class FakeWriteApi implements AutoCloseable {

  /** One append the server received: the stream, the requested offset (-1 when none) and the rows' event ids. */
  record Append(String stream, long offset, List<String> eventIds, String outcome) {}

  private final Map<String, List<String>> streams = new LinkedHashMap<>();
  private final Map<String, Boolean> finalized = new LinkedHashMap<>();
  private final List<Append> appends = new ArrayList<>();
  private final AtomicInteger ids = new AtomicInteger();
  private final TableSchema schema = schema();
  private boolean swallowNextAck;
  private final UserAgents userAgents = new UserAgents();
  private boolean swallowAllAcks;
  private boolean failNextAfterStoring;
  static final int MAX_REQUEST_BYTES = 10 * 1024 * 1024;
  private final Server server;

  FakeWriteApi() throws IOException {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .maxInboundMessageSize(2 * MAX_REQUEST_BYTES)
        .addService(ServerInterceptors.intercept(new Service(), userAgents)).build()
        .start();
  }

  String address() {
    return "127.0.0.1:" + server.getPort();
  }

  /** The next append is stored but never answered. */
  synchronized void swallowNextAcknowledgement() {
    swallowNextAck = true;
  }

  /**
   * Every append from now on is stored but never answered, and the server no longer ends a connection the client
   * half-closes: an overloaded or partitioned frontend, as far as the client can tell.
   */
  synchronized void swallowAllAcknowledgements() {
    swallowAllAcks = true;
  }

  /** The next append is stored, then its connection fails with UNAVAILABLE instead of an answer. */
  synchronized void failNextAfterStoring() {
    failNextAfterStoring = true;
  }

  synchronized List<String> stored(String stream) {
    return List.copyOf(streams.getOrDefault(stream, List.of()));
  }

  /** The {@code user-agent} of every call. */
  List<String> userAgents() {
    return userAgents.seen();
  }

  synchronized List<String> streamNames() {
    return List.copyOf(streams.keySet());
  }

  synchronized boolean isFinalized(String stream) {
    return finalized.getOrDefault(stream, false);
  }

  synchronized List<Append> appends() {
    return List.copyOf(appends);
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      // Not swallowed: the caller's thread stays interrupted.
      Thread.currentThread().interrupt();
    }
  }

  private static TableSchema schema() {
    TableSchema.Builder b = TableSchema.newBuilder();
    for (Field f : EnvelopeRow.schema().getFields()) {
      StandardSQLTypeName t = f.getType().getStandardType();
      b.addFields(TableFieldSchema.newBuilder().setName(f.getName())
          .setType(t == StandardSQLTypeName.TIMESTAMP ? TableFieldSchema.Type.TIMESTAMP
              : t == StandardSQLTypeName.INT64 ? TableFieldSchema.Type.INT64 : TableFieldSchema.Type.STRING)
          .setMode(f.getMode() == Field.Mode.REQUIRED ? TableFieldSchema.Mode.REQUIRED
              : TableFieldSchema.Mode.NULLABLE));
    }
    return b.build();
  }

  private final class Service extends BigQueryWriteGrpc.BigQueryWriteImplBase {

    @Override
    public void createWriteStream(CreateWriteStreamRequest request, StreamObserver<WriteStream> out) {
      String name = request.getParent() + "/streams/fake" + ids.incrementAndGet();
      synchronized (FakeWriteApi.this) {
        streams.put(name, new ArrayList<>());
      }
      out.onNext(stream(name));
      out.onCompleted();
    }

    @Override
    public void getWriteStream(GetWriteStreamRequest request, StreamObserver<WriteStream> out) {
      synchronized (FakeWriteApi.this) {
        if (request.getName().endsWith("/streams/_default")) {
          streams.putIfAbsent(request.getName(), new ArrayList<>());
        }
        if (!streams.containsKey(request.getName())) {
          out.onError(Status.NOT_FOUND.withDescription("no stream " + request.getName()).asRuntimeException());
          return;
        }
      }
      out.onNext(stream(request.getName()));
      out.onCompleted();
    }

    @Override
    public void finalizeWriteStream(FinalizeWriteStreamRequest request,
        StreamObserver<FinalizeWriteStreamResponse> out) {
      long rows;
      synchronized (FakeWriteApi.this) {
        finalized.put(request.getName(), true);
        rows = streams.getOrDefault(request.getName(), List.of()).size();
      }
      out.onNext(FinalizeWriteStreamResponse.newBuilder().setRowCount(rows).build());
      out.onCompleted();
    }

    private WriteStream stream(String name) {
      return WriteStream.newBuilder().setName(name).setType(WriteStream.Type.COMMITTED).setTableSchema(schema)
          .build();
    }

    @Override
    public StreamObserver<AppendRowsRequest> appendRows(StreamObserver<AppendRowsResponse> out) {
      return new StreamObserver<>() {
        String stream;
        Descriptor descriptor;

        @Override
        public void onNext(AppendRowsRequest request) {
          if (!request.getWriteStream().isEmpty()) {
            stream = request.getWriteStream();
          }
          if (request.getProtoRows().hasWriterSchema()) {
            descriptor = descriptor(request);
          }
          long offset = request.hasOffset() ? request.getOffset().getValue() : -1;
          List<String> eventIds = eventIds(request);
          synchronized (FakeWriteApi.this) {
            if (request.getSerializedSize() > MAX_REQUEST_BYTES) {
              appends.add(new Append(stream, offset, eventIds, "TOO_LARGE"));
              out.onError(Status.INVALID_ARGUMENT.withDescription("AppendRows request too large")
                  .asRuntimeException());
              return;
            }
            List<String> rows = streams.get(stream);
            if (rows == null) {
              appends.add(new Append(stream, offset, eventIds, "NOT_FOUND"));
              out.onError(Status.NOT_FOUND.asRuntimeException());
              return;
            }
            long end = rows.size();
            if (offset >= 0 && offset < end) {
              appends.add(new Append(stream, offset, eventIds, "ALREADY_EXISTS"));
              out.onNext(error(Status.Code.ALREADY_EXISTS, StorageError.StorageErrorCode.OFFSET_ALREADY_EXISTS,
                  offset, end));
              return;
            }
            if (offset > end) {
              appends.add(new Append(stream, offset, eventIds, "OUT_OF_RANGE"));
              out.onNext(error(Status.Code.OUT_OF_RANGE, StorageError.StorageErrorCode.OFFSET_OUT_OF_RANGE,
                  offset, end));
              return;
            }
            rows.addAll(eventIds);
            if (failNextAfterStoring) {
              failNextAfterStoring = false;
              appends.add(new Append(stream, offset, eventIds, "STORED_THEN_UNAVAILABLE"));
              out.onError(Status.UNAVAILABLE.withDescription("connection reset").asRuntimeException());
              return;
            }
            if (swallowNextAck || swallowAllAcks) {
              swallowNextAck = false;
              appends.add(new Append(stream, offset, eventIds, "STORED_UNANSWERED"));
              return;
            }
            appends.add(new Append(stream, offset, eventIds, "STORED"));
          }
          out.onNext(AppendRowsResponse.newBuilder().setWriteStream(stream)
              .setAppendResult(AppendRowsResponse.AppendResult.newBuilder()
                  .setOffset(Int64Value.of(Math.max(0, offset))))
              .build());
        }

        private AppendRowsResponse error(Status.Code code, StorageError.StorageErrorCode storageCode, long offset,
            long end) {
          StorageError detail = StorageError.newBuilder().setCode(storageCode).setEntity(stream)
              .setErrorMessage("offset " + offset + ", stream end " + end).build();
          return AppendRowsResponse.newBuilder().setWriteStream(stream)
              .setError(com.google.rpc.Status.newBuilder().setCode(code.value())
                  .setMessage(storageCode.name()).addDetails(Any.pack(detail)))
              .build();
        }

        private Descriptor descriptor(AppendRowsRequest request) {
          try {
            FileDescriptorProto file = FileDescriptorProto.newBuilder().setName("rows.proto")
                .addMessageType(request.getProtoRows().getWriterSchema().getProtoDescriptor()).build();
            return FileDescriptor.buildFrom(file, new FileDescriptor[0]).getMessageTypes().get(0);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }

        private List<String> eventIds(AppendRowsRequest request) {
          List<String> out = new ArrayList<>();
          for (ByteString row : request.getProtoRows().getRows().getSerializedRowsList()) {
            try {
              DynamicMessage m = DynamicMessage.parseFrom(descriptor, row);
              out.add((String) m.getField(descriptor.findFieldByName(EnvelopeRow.EVENT_ID)));
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }
          return out;
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          synchronized (FakeWriteApi.this) {
            if (swallowAllAcks) {
              return;
            }
          }
          out.onCompleted();
        }
      };
    }
  }
}
