package dev.eventkit.gcp.bigquery;

import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.InstantiatingGrpcChannelProvider;
import com.google.api.gax.retrying.RetrySettings;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.auth.Credentials;
import com.google.cloud.bigquery.storage.v1.BigQueryWriteClient;
import com.google.cloud.bigquery.storage.v1.BigQueryWriteSettings;
import com.google.cloud.bigquery.storage.v1.JsonStreamWriter;
import com.google.cloud.bigquery.storage.v1.TableSchema;
import dev.eventkit.gcp.internal.ClientHeaders;
import java.io.IOException;
import java.time.Duration;

/**
 * The Storage Write API client of one sink, and the factory of its stream writers: against an emulator over a
 * plaintext gRPC channel without credentials, else TLS with explicit credentials or Application Default
 * Credentials. Thread-safe.
 */
final class WriteApi implements AutoCloseable {

  private final BigQueryWriteClient client;
  private final String emulatorHost;
  private final Credentials credentials;

  private WriteApi(BigQueryWriteClient client, String emulatorHost, Credentials credentials) {
    this.client = client;
    this.emulatorHost = emulatorHost;
    this.credentials = credentials;
  }

  /**
   * A client whose stream calls (create, get, finalise) make one attempt bounded by {@code callTimeout}: the
   * client's default retries of UNAVAILABLE would stall a write for minutes while the dispatcher waits.
   */
  static WriteApi connect(String emulatorHost, Credentials credentials, Duration callTimeout) throws IOException {
    BigQueryWriteSettings.Builder settings = BigQueryWriteSettings.newBuilder()
        .setHeaderProvider(ClientHeaders.provider());
    RetrySettings once = RetrySettings.newBuilder().setMaxAttempts(1).setTotalTimeoutDuration(callTimeout)
        .setInitialRpcTimeoutDuration(callTimeout).setMaxRpcTimeoutDuration(callTimeout).build();
    settings.createWriteStreamSettings().setRetrySettings(once);
    settings.getWriteStreamSettings().setRetrySettings(once);
    settings.finalizeWriteStreamSettings().setRetrySettings(once);
    if (emulatorHost != null) {
      settings.setEndpoint(emulatorHost)
          .setCredentialsProvider(NoCredentialsProvider.create())
          .setTransportChannelProvider(plaintext(emulatorHost));
    } else if (credentials != null) {
      settings.setCredentialsProvider(FixedCredentialsProvider.create(credentials));
    }
    return new WriteApi(BigQueryWriteClient.create(settings.build()), emulatorHost, credentials);
  }

  private static TransportChannelProvider plaintext(String host) {
    return InstantiatingGrpcChannelProvider.newBuilder().setEndpoint(host)
        .setChannelConfigurator(builder -> builder.usePlaintext()).build();
  }

  BigQueryWriteClient client() {
    return client;
  }

  /** A writer for a stream whose schema the API reports (it calls GetWriteStream). */
  JsonStreamWriter writer(String streamName) throws Exception {
    return configure(JsonStreamWriter.newBuilder(streamName, client)).build();
  }

  /** A writer for a stream just created, whose schema is known. */
  JsonStreamWriter writer(String streamName, TableSchema schema) throws Exception {
    return configure(JsonStreamWriter.newBuilder(streamName, schema, client)).build();
  }

  private JsonStreamWriter.Builder configure(JsonStreamWriter.Builder b) {
    if (emulatorHost != null) {
      b.setEndpoint(emulatorHost).setChannelProvider(plaintext(emulatorHost))
          .setCredentialsProvider(NoCredentialsProvider.create());
    } else if (credentials != null) {
      b.setCredentialsProvider(FixedCredentialsProvider.create(credentials));
    }
    return b;
  }

  @Override
  public void close() {
    client.close();
  }
}
