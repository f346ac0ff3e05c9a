package dev.eventkit.gcp.gcs;

import com.google.auth.Credentials;
import com.google.cloud.NoCredentials;
import com.google.cloud.ServiceOptions;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import dev.eventkit.gcp.internal.ClientHeaders;

/**
 * Builds Cloud Storage clients the way eventkit's components use them: against an emulator without credentials
 * when an emulator host is given, else with explicit credentials or Application Default Credentials. The client's
 * own retries are off, because eventkit's dispatcher (or loader schedule) owns retries and a client retrying on
 * its own would hide an outage behind long stalls.
 *
 * <p>Stateless and thread-safe; the returned client is thread-safe and should be closed by its owner.
 */
public final class StorageClients {

  private StorageClients() {}

  /**
   * A new client.
   *
   * @param projectId the project, or null for the one Application Default Credentials name
   * @param emulatorHost an emulator such as {@code http://127.0.0.1:9023} ({@code http://} is assumed when no
   *     scheme is given), or null for the real service
   * @param credentials explicit credentials, or null for the default (none with an emulator, ADC otherwise)
   */
  public static Storage connect(String projectId, String emulatorHost, Credentials credentials) {
    StorageOptions.Builder options = StorageOptions.newBuilder()
        .setRetrySettings(ServiceOptions.getNoRetrySettings())
        .setHeaderProvider(ClientHeaders.provider());
    if (projectId != null) {
      options.setProjectId(projectId);
    }
    if (emulatorHost != null) {
      options.setHost(emulatorHost.contains("://") ? emulatorHost : "http://" + emulatorHost)
          .setCredentials(credentials != null ? credentials : NoCredentials.getInstance());
    } else if (credentials != null) {
      options.setCredentials(credentials);
    }
    return options.build().getService();
  }
}
