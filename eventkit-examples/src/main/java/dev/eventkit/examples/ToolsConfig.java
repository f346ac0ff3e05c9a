package dev.eventkit.examples;

import java.util.Locale;
import java.util.Map;

/**
 * The example collector's pages and routes for people and tools rather than trackers, each on or off: the
 * configuration's {@code tools.*} keys. Immutable; {@link #fromEnvironment} throws {@link IllegalArgumentException}
 * naming the key that holds a bad value.
 *
 * @param testPage {@code tools.test_page} ({@code EVENTKIT_TEST_PAGE}): the test page at {@code /} with the Snowplow browser tracker and the
 *     envelopes arriving live — {@code on} (default: served to loopback clients only; others get 404), {@code any}
 *     (served to every client: anyone who reaches the port then sees the latest events) or {@code off} (not
 *     mounted: no route, no record of recent envelopes)
 * @param apiDocs {@code tools.api_docs} ({@code EVENTKIT_API_DOCS}): the OpenAPI document at {@code /openapi.json} and Swagger UI at
 *     {@code /docs}, {@code on} (default) or {@code off}
 * @param debugEcho {@code tools.debug_echo} ({@code EVENTKIT_DEBUG_ECHO}): every input route again under {@code /debug/echo}, answering with the
 *     envelopes a request would produce without storing them; {@code off} (default) or {@code on}
 */
public record ToolsConfig(TestPage testPage, boolean apiDocs, boolean debugEcho) {

  /** The prefix of the echo routes when {@link #debugEcho} is on. */
  public static final String ECHO_PREFIX = "/debug/echo";

  /** Who is served the test page. */
  public enum TestPage {
    /** Not mounted. */
    OFF,
    /** Loopback clients only. */
    LOCAL,
    /** Every client. */
    ANY
  }

  /** The defaults: the test page for loopback clients, the API documentation, no echo routes. */
  public static ToolsConfig defaults() {
    return new ToolsConfig(TestPage.LOCAL, true, false);
  }

  /** The {@code tools.*} settings of the configuration the environment {@code env} gives (and its file, if any). */
  public static ToolsConfig fromEnvironment(Map<String, String> env) {
    return CollectorConfig.fromEnvironment(env).tools();
  }

  /** Reads the {@code tools.*} keys from the effective configuration, by their variable names; see the class. */
  static ToolsConfig fromVariables(Map<String, String> env) {
    String page = value(env, "EVENTKIT_TOOLS_TEST_PAGE", "on");
    TestPage testPage;
    switch (page) {
      case "on":
        testPage = TestPage.LOCAL;
        break;
      case "any":
        testPage = TestPage.ANY;
        break;
      case "off":
        testPage = TestPage.OFF;
        break;
      default:
        throw new IllegalArgumentException("EVENTKIT_TOOLS_TEST_PAGE must be on, any or off");
    }
    return new ToolsConfig(testPage, onOff(env, "EVENTKIT_TOOLS_API_DOCS", "on"),
        onOff(env, "EVENTKIT_TOOLS_DEBUG_ECHO", "off"));
  }

  private static boolean onOff(Map<String, String> env, String name, String fallback) {
    String v = value(env, name, fallback);
    if (!v.equals("on") && !v.equals("off")) {
      throw new IllegalArgumentException(name + " must be on or off");
    }
    return v.equals("on");
  }

  private static String value(Map<String, String> env, String name, String fallback) {
    String raw = env.get(name);
    return raw == null || raw.isBlank() ? fallback : raw.trim().toLowerCase(Locale.ROOT);
  }
}
