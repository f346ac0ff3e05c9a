package dev.eventkit.internal.headers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class HeaderMapTest {

  @Test
  void namesAreCaseInsensitiveAndListedInTheOrderGiven() {
    Map<String, List<String>> given = new LinkedHashMap<>();
    given.put("User-Agent", List.of("ua"));
    given.put("Content-Type", List.of("application/json"));
    given.put("cookie", List.of("a=1"));
    HeaderMap h = HeaderMap.copyOf(given);
    assertThat(h.get("user-agent")).containsExactly("ua");
    assertThat(h.get("CONTENT-TYPE")).containsExactly("application/json");
    assertThat(h.containsKey("Cookie")).isTrue();
    assertThat(h.get("Cookies")).isNull();
    assertThat(h.get(42)).isNull();
    assertThat(h.keySet()).containsExactly("User-Agent", "Content-Type", "cookie");
  }

  @Test
  void namesDifferingInCaseAreOneHeaderAsInACaseInsensitiveTreeMap() {
    Map<String, List<String>> given = new LinkedHashMap<>();
    given.put("X-Thing", List.of("1"));
    given.put("x-thing", List.of("2", "3"));
    TreeMap<String, List<String>> tree = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    tree.putAll(given);
    HeaderMap h = HeaderMap.copyOf(given);
    assertThat(h).hasSize(1).isEqualTo(tree);
    assertThat(h.keySet()).containsExactly("X-Thing");
    assertThat(h.get("X-THING")).containsExactly("2", "3");
  }

  @Test
  void isACopyThatCannotBeChanged() {
    List<String> values = new ArrayList<>(List.of("1"));
    Map<String, List<String>> given = new LinkedHashMap<>();
    given.put("A", values);
    HeaderMap h = HeaderMap.copyOf(given);
    values.add("2");
    given.put("B", List.of("x"));
    assertThat(h).hasSize(1);
    assertThat(h.get("a")).containsExactly("1");
    assertThatThrownBy(() -> h.put("C", List.of())).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> h.get("a").add("3")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> h.entrySet().iterator().remove()).isInstanceOf(UnsupportedOperationException.class);
  }
}
