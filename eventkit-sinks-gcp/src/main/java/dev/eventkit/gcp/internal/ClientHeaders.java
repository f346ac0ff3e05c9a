package dev.eventkit.gcp.internal;

import com.google.api.gax.rpc.FixedHeaderProvider;
import com.google.api.gax.rpc.HeaderProvider;

/**
 * The headers every Google Cloud client of eventkit sends: a {@code user-agent} naming eventkit and its version, so
 * that the project's request logs and quota pages tell eventkit's traffic apart. (The client libraries add their
 * own product tokens after it.) Stateless and thread-safe.
 */
public final class ClientHeaders {

  private static final String USER_AGENT = "eventkit/" + version();

  private ClientHeaders() {}

  /** The {@code user-agent} product token, such as {@code eventkit/0.1.0}. */
  public static String userAgent() {
    return USER_AGENT;
  }

  /** A header provider with the {@code user-agent}. */
  public static HeaderProvider provider() {
    return FixedHeaderProvider.create("user-agent", USER_AGENT);
  }

  private static String version() {
    String v = ClientHeaders.class.getPackage().getImplementationVersion();
    return v != null ? v : "dev";
  }
}
