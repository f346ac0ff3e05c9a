package dev.eventkit.http.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which origins each CORS policy allows, and with which headers. */
class CorsPolicyTest {

  @Test
  void anyOriginEchoesWellFormedOriginsWithCredentialsButNeverNull() {
    CorsPolicy p = CorsPolicy.anyOrigin();
    assertThat(p.headers("https://shop.example")).containsEntry("Access-Control-Allow-Origin",
        "https://shop.example").containsEntry("Access-Control-Allow-Credentials", "true")
        .containsEntry("Vary", "Origin");
    for (String bad : List.of("null", "file://", "https://shop.example/path", "javascript:alert(1)",
        "https://user@shop.example", "https://shop.example\r\nSet-Cookie: x=1", "ftp://shop.example")) {
      assertThat(p.allows(bad)).as(bad).isFalse();
      assertThat(p.headers(bad)).as(bad).isEmpty();
    }
    assertThat(p.allows(null)).isTrue();
  }

  @Test
  void allowListMatchesExactOriginsAndSubdomainsWithTheirPorts() {
    CorsPolicy p = CorsPolicy.allowList(List.of("https://Shop.Example", "https://*.shop.example",
        "http://localhost:3000"));
    assertThat(p.allows("https://shop.example")).isTrue();
    assertThat(p.allows("https://SHOP.example")).isTrue();
    assertThat(p.allows("https://www.shop.example")).isTrue();
    assertThat(p.allows("https://a.b.shop.example")).isTrue();
    assertThat(p.allows("http://localhost:3000")).isTrue();
    for (String no : List.of("https://evilshop.example", "https://shop.example.evil", "http://shop.example",
        "https://www.shop.example:8443", "https://shop.example:443x", "http://localhost:3001", "http://localhost",
        "https://.shop.example", "null")) {
      assertThat(p.allows(no)).as(no).isFalse();
    }
    assertThat(p.headers("https://www.shop.example")).containsEntry("Access-Control-Allow-Credentials", "true");
  }

  @Test
  void starAllowsAnyoneWithoutCredentialsAndNullOnlyWhenListed() {
    CorsPolicy star = CorsPolicy.allowList(List.of("https://shop.example", "*"));
    assertThat(star.headers("https://other.example")).containsEntry("Access-Control-Allow-Origin", "*")
        .doesNotContainKey("Access-Control-Allow-Credentials");
    assertThat(star.headers("https://shop.example")).containsEntry("Access-Control-Allow-Credentials", "true");
    CorsPolicy withNull = CorsPolicy.allowList(List.of("null"));
    assertThat(withNull.allows("null")).isTrue();
    assertThat(CorsPolicy.none().allows("https://shop.example")).isFalse();
    assertThatThrownBy(() -> CorsPolicy.allowList(List.of("shop.example"))).isInstanceOf(
        IllegalArgumentException.class);
    assertThatThrownBy(() -> CorsPolicy.allowList(List.of("https://shop.example/"))).isInstanceOf(
        IllegalArgumentException.class);
  }
}
