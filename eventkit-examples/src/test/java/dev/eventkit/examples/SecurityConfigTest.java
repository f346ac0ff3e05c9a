package dev.eventkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventkit.http.security.WriteKeys;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The example's protections from the environment: off by default, on by variable, errors naming the variable. */
class SecurityConfigTest {

  private static CollectorConfig config(String... pairs) {
    Map<String, String> env = new HashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return CollectorConfig.fromEnvironment(env);
  }

  @Test
  void defaultsProtectNothingThatLocalUseNeedsAndWarnBeyondLoopback() {
    SecurityConfig s = config().security();
    assertThat(s.writeKeys()).isNull();
    assertThat(s.adminKeys()).isNull();
    assertThat(s.rateLimits().enabled()).isFalse();
    assertThat(s.anonymizer().enabled()).isFalse();
    // The one protection on by default: an access line per request, which holds nothing of the request's data.
    assertThat(s.accessLog().enabled()).isTrue();
    assertThat(s.cors().allows("https://shop.example")).isTrue();
    assertThat(s.cors().allows("null")).isFalse();
    assertThat(CollectorServer.exposureWarnings(config())).anySatisfy(w -> assertThat(w).contains("without write keys")
        .contains("EVENTKIT_WRITE_KEYS"));
    assertThat(CollectorServer.exposureWarnings(config("EVENTKIT_HOST", "127.0.0.1"))).isEmpty();
    assertThat(CollectorServer.exposureWarnings(config("EVENTKIT_WRITE_KEYS", "wk_1", "EVENTKIT_ADMIN_KEY", "adm")))
        .isEmpty();
  }

  @Test
  void everyProtectionIsOneVariableAway() {
    SecurityConfig s = config(
        "EVENTKIT_WRITE_KEYS", "wk_web name=web paths=/collect/*;sha256:" + WriteKeys.sha256Hex("wk_srv"),
        "EVENTKIT_OPEN_PATHS", "/i", "EVENTKIT_QUERY_KEY_PATHS", "/pixel/*", "EVENTKIT_QUERY_KEY_PARAMETER", "ek",
        "EVENTKIT_ADMIN_KEY", "adm_1",
        "EVENTKIT_CORS_ORIGINS", "https://shop.example, https://*.shop.example",
        "EVENTKIT_RATE_LIMIT_IP_PER_SECOND", "50", "EVENTKIT_RATE_LIMIT_KEY_PER_SECOND", "500",
        "EVENTKIT_TRUSTED_PROXIES", "10.0.0.0/8, fd00::/8", "EVENTKIT_FORWARDED_HEADER", "Forwarded",
        "EVENTKIT_ANONYMIZE_IP", "true", "EVENTKIT_KEEP_HEADERS", "User-Agent,Referer,ce-*",
        "EVENTKIT_ACCESS_LOG", "true").security();
    assertThat(s.writeKeys().size()).isEqualTo(2);
    assertThat(s.writeKeys().find("wk_web").allowsPath("/v1/track")).isFalse();
    assertThat(s.writeKeys().find("wk_srv")).isNotNull();
    assertThat(s.writeKeys().access("/i")).isEqualTo(WriteKeys.Access.OPEN);
    assertThat(s.writeKeys().access("/pixel/a")).isEqualTo(WriteKeys.Access.QUERY_KEY);
    assertThat(s.writeKeys().queryParameter()).isEqualTo("ek");
    assertThat(s.adminKeys().find("adm_1")).isNotNull();
    assertThat(s.cors().allows("https://www.shop.example")).isTrue();
    assertThat(s.cors().allows("https://other.example")).isFalse();
    assertThat(s.rateLimits().enabled()).isTrue();
    assertThat(s.clientAddresses().resolve("10.0.0.1", h -> h.equals("Forwarded") ? java.util.List.of("for=1.2.3.4")
        : null)).isEqualTo("1.2.3.4");
    assertThat(s.anonymizer().apply("1.2.3.4")).isEqualTo("1.2.3.0");
    assertThat(s.accessLog().enabled()).isTrue();
  }

  @Test
  void badValuesNameTheVariableButNeverAKey() {
    assertThatThrownBy(() -> config("EVENTKIT_WRITE_KEYS", "wk_secret paths=nope")).hasMessageContaining(
        "write key entry 1").hasMessageNotContaining("wk_secret");
    assertThatThrownBy(() -> config("EVENTKIT_WRITE_KEYS_FILE", "/nonexistent/keys"))
        .hasMessageContaining("EVENTKIT_WRITE_KEYS_FILE");
    assertThatThrownBy(() -> config("EVENTKIT_OPEN_PATHS", "/i")).hasMessageContaining("EVENTKIT_OPEN_PATHS")
        .hasMessageContaining("security.write_keys");
    assertThatThrownBy(() -> config("EVENTKIT_CORS_ORIGINS", "shop.example"))
        .hasMessageContaining("EVENTKIT_CORS_ORIGINS");
    assertThatThrownBy(() -> config("EVENTKIT_TRUSTED_PROXIES", "proxy.internal"))
        .hasMessageContaining("EVENTKIT_TRUSTED_PROXIES");
    assertThatThrownBy(() -> config("EVENTKIT_ANONYMIZE_IP", "yes")).hasMessageContaining("EVENTKIT_ANONYMIZE_IP");
    assertThatThrownBy(() -> config("EVENTKIT_RATE_LIMIT_IP_PER_SECOND", "-1"))
        .hasMessageContaining("EVENTKIT_RATE_LIMIT_IP_PER_SECOND");
    assertThat(config("EVENTKIT_TRUST_FORWARDED_HEADERS", "true").security().warnings())
        .anySatisfy(w -> assertThat(w).contains("EVENTKIT_TRUSTED_PROXIES"));
  }
}
