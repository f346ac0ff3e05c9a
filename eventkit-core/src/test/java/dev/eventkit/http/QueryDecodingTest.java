package dev.eventkit.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.internal.http.QueryComponent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Query strings are decoded leniently, as browsers and Snowplow's collector do: a '%' not followed by two hex
 * digits is kept as written, and the rest of the value is still decoded.
 */
class QueryDecodingTest {

  private static Map<String, List<String>> query(String raw) {
    return HttpRequest.builder("GET", "/i").rawQuery(raw).build().queryParameters();
  }

  @Test
  void aStrayPercentIsKeptAndTheRestOfTheValueStillDecoded() {
    Map<String, List<String>> q = query("page=100%&off=50%25%20off%&bad=%zz%41&end=%4&e=%E2%82%AC&plus=a+b"
        + "&only=%&k%=v");
    assertThat(q.get("page")).containsExactly("100%");
    assertThat(q.get("off")).containsExactly("50% off%");
    assertThat(q.get("bad")).containsExactly("%zzA");
    assertThat(q.get("end")).containsExactly("%4");
    assertThat(q.get("e")).containsExactly("€");
    assertThat(q.get("plus")).containsExactly("a b");
    assertThat(q.get("only")).containsExactly("%");
    assertThat(q.get("k%")).containsExactly("v");
  }

  @Test
  void escapesThatAreNotUtf8BecomeReplacementCharactersNotOtherText() {
    // An overlong '<' must not turn into '<'; a truncated sequence must not swallow what follows.
    assertThat(query("x=%C0%BC").get("x")).containsExactly("\uFFFD\uFFFD");
    assertThat(query("x=%E2%82a").get("x")).containsExactly("\uFFFDa");
  }

  @Test
  void rawNonAsciiTextIsKept() {
    assertThat(query("who=café&x=%41é").get("who")).containsExactly("café");
    assertThat(query("x=%41é").get("x")).containsExactly("Aé");
  }

  @Test
  void theDecoderIsUsableOnItsOwn() {
    assertThat(QueryComponent.decode("a%20b%")).isEqualTo("a b%");
    assertThat(QueryComponent.decode("plain")).isEqualTo("plain");
  }
}
