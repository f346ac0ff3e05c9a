package dev.eventkit.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SchemaUriTest {

  @Test
  void parsesIgluUris() {
    SchemaUri u = SchemaUri.parse("iglu:com.acme/checkout/jsonschema/1-0-2");
    assertThat(u.kind()).isEqualTo(SchemaUri.Kind.IGLU);
    assertThat(u.vendor()).isEqualTo("com.acme");
    assertThat(u.path()).isEqualTo("com.acme/checkout/jsonschema/1-0-2");
    assertThat(u.vendorMatches("com.acme")).isTrue();
    assertThat(u.vendorMatches("com")).isTrue();
    assertThat(u.vendorMatches("com.ac")).isFalse();
  }

  @Test
  void parsesRelativeNames() {
    SchemaUri u = SchemaUri.parse("com.acme/checkout/v1.json");
    assertThat(u.kind()).isEqualTo(SchemaUri.Kind.RELATIVE);
    assertThat(u.vendor()).isEqualTo("com.acme");
    assertThat(u.path()).isEqualTo("com.acme/checkout/v1.json");
    assertThat(SchemaUri.parse("checkout.json").vendor()).isEmpty();
  }

  @Test
  void refusesEverythingElseWithoutRepeatingIt() {
    for (String bad : new String[] {"", "iglu:com.acme/x/jsonschema/1-0", "iglu:com.acme/x/jsonschema",
        "iglu:../x/jsonschema/1-0-0", "http://example.com/s.json", "/abs/path.json", "a//b", "a/../b", "../x",
        "com.acme/ch eckout", "iglu:com.acme/x/jsonschema/1-0-0/extra", "a".repeat(600)}) {
      assertThat(SchemaUri.isWellFormed(bad)).as(bad).isFalse();
    }
    assertThatThrownBy(() -> SchemaUri.parse("http://example.com/s.json"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("malformed schema URI").hasMessageNotContaining("example.com");
  }
}
