package dev.eventkit.snowplow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Page and referrer URLs split into Snowplow's parts, and the marketing fields of campaign parameters. */
class UrlPartsTest {

  static Map<String, String> parts(String url) {
    Map<String, String> m = new LinkedHashMap<>();
    UrlParts p = UrlParts.parse(url);
    if (p != null) {
      p.putInto(m, "u_");
      m.putAll(p.marketing());
    }
    return m;
  }

  @Test
  void splitsEveryPart() {
    assertThat(parts("HTTPS://user:pw@Shop.Example.COM:8443/a/b?x=1&y=2#frag")).containsExactly(
        Map.entry("u_scheme", "https"), Map.entry("u_host", "shop.example.com"), Map.entry("u_port", "8443"),
        Map.entry("u_path", "/a/b"), Map.entry("u_query", "x=1&y=2"), Map.entry("u_fragment", "frag"));
    assertThat(parts("http://example.com")).containsEntry("u_port", "80").containsEntry("u_path", "/")
        .doesNotContainKeys("u_query", "u_fragment");
    assertThat(parts("http://[2001:db8::1]:8080/x")).containsEntry("u_host", "2001:db8::1")
        .containsEntry("u_port", "8080");
    assertThat(parts("https://example.com/a path/{x}?q=a b")).containsEntry("u_path", "/a path/{x}")
        .containsEntry("u_query", "q=a b");
  }

  @Test
  void textWithoutSchemeAndHostHasNoParts() {
    assertThat(UrlParts.parse("/relative/path")).isNull();
    assertThat(UrlParts.parse("mailto:someone@example.com")).isNull();
    assertThat(UrlParts.parse("http://")).isNull();
    assertThat(UrlParts.parse("")).isNull();
    assertThat(UrlParts.parse("http://[::1")).isNull();
  }

  @Test
  void campaignParametersFillMarketingFields() {
    assertThat(parts("https://a.example/?utm_source=news%20letter&utm_medium=email&utm_term=shoes"
        + "&utm_content=hero&utm_campaign=spring&utm_source=second&msclkid=m1&gclid=g1"))
        .containsEntry("mkt_source", "news letter").containsEntry("mkt_medium", "email")
        .containsEntry("mkt_term", "shoes").containsEntry("mkt_content", "hero")
        .containsEntry("mkt_campaign", "spring").containsEntry("mkt_clickid", "m1")
        .containsEntry("mkt_network", "Microsoft");
    assertThat(parts("https://a.example/?dclid=d1")).containsEntry("mkt_network", "DoubleClick");
    assertThat(parts("https://a.example/?utm_source=&x=1")).doesNotContainKey("mkt_source");
  }

  @Test
  void aStrayPercentInACampaignParameterIsKeptAndTheRestDecoded() {
    assertThat(parts("https://a.example/?utm_campaign=50%25%20off%&utm_source=100%"))
        .containsEntry("mkt_campaign", "50% off%").containsEntry("mkt_source", "100%");
  }
}
