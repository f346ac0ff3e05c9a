package dev.eventkit.gcp.bigquery;

import com.google.auth.Credentials;
import com.google.cloud.NoCredentials;
import com.google.cloud.ServiceOptions;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryOptions;
import dev.eventkit.gcp.internal.ClientHeaders;

/**
 * Builds BigQuery (REST) clients the way eventkit's components use them: against an emulator without credentials
 * when an emulator host is given, else with explicit credentials or Application Default Credentials. The client's
 * own retries are off: the dispatcher (for sinks) or the next scheduled run (for the loader) retries instead.
 *
 * <p>Stateless and thread-safe; the returned client is thread-safe.
 */
public final class BigQueryClients {

  private BigQueryClients() {}

  /**
   * A new client.
   *
   * @param projectId the project, or null for the one Application Default Credentials name
   * @param emulatorHost an emulator's REST address such as {@code http://127.0.0.1:9050} ({@code http://} is
   *     assumed when no scheme is given), or null for the real service
   * @param credentials explicit credentials, or null for the default (none with an emulator, ADC otherwise)
   * @param location the location of datasets and jobs, or null for the service default
   */
  public static BigQuery connect(String projectId, String emulatorHost, Credentials credentials, String location) {
    BigQueryOptions.Builder options = BigQueryOptions.newBuilder()
        .setRetrySettings(ServiceOptions.getNoRetrySettings())
        .setHeaderProvider(ClientHeaders.provider());
    if (projectId != null) {
      options.setProjectId(projectId);
    }
    if (location != null) {
      options.setLocation(location);
    }
    if (emulatorHost != null) {
      options.setHost(withScheme(emulatorHost))
          .setCredentials(credentials != null ? credentials : NoCredentials.getInstance());
    } else if (credentials != null) {
      options.setCredentials(credentials);
    }
    return options.build().getService();
  }

  static String withScheme(String host) {
    return host.contains("://") ? host : "http://" + host;
  }
}
