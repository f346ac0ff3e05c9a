package dev.eventkit.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.eventkit.internal.json.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class EnvelopeTest {

  private static Envelope.Builder builder() {
    return Envelope.builder().protocol("p");
  }

  @Test
  void payloadTextThatIsNotExactlyOneJsonValueIsRefusedNamingTheField() {
    for (String bad : List.of("{\"hello\":", "", "  ", "{}{}", "1 2", "{\"a\":1}x", "{'a':1}", "[1,]",
        "{\"a\":1,\"a\":2}", "\"unterminated", "nul")) {
      assertThatThrownBy(() -> builder().payloadJson(bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("payload ")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hello", "unterminated"));
    }
  }

  @Test
  void contextDataTextIsCheckedTheSameWay() {
    List<Entity> contexts = List.of(new Entity("iglu:a/b/jsonschema/1-0-0", "{}"),
        new Entity("iglu:a/c/jsonschema/1-0-0", "{\"hello\":"));
    assertThatThrownBy(() -> builder().contexts(contexts))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("contexts[1].data ");
  }

  @Test
  void nestingIsBoundedAsForStoredDocumentsAndEveryJsonValueIsAccepted() {
    // Intake refuses documents deeper than MAX_NESTING_DEPTH; an envelope may wrap one a level or two deeper (a failed
    // event keeps the request's body), so the builder takes what the log can store and read back.
    int depth = Json.MAX_STORED_NESTING_DEPTH;
    String deepest = "[".repeat(depth) + "]".repeat(depth);
    assertThat(builder().payloadJson(deepest).build().payloadJson()).isEqualTo(deepest);
    assertThatThrownBy(() -> builder().payloadJson("[" + deepest + "]"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("payload").hasMessageContaining("depth");
    String wrapped = "{\"body\":" + "[".repeat(Json.MAX_NESTING_DEPTH) + "]".repeat(Json.MAX_NESTING_DEPTH) + "}";
    assertThat(builder().payloadJson(wrapped).build().payloadJson()).isEqualTo(wrapped);
    ArrayNode tooDeep = Json.array();
    ArrayNode inner = tooDeep;
    for (int i = 0; i < depth; i++) {
      inner = inner.addArray();
    }
    ArrayNode root = tooDeep;
    assertThatThrownBy(() -> builder().payload(root)).isInstanceOf(IllegalArgumentException.class);
    for (String good : List.of("{}", "[]", "\"s\"", "0", "-1.5e-3", "true", "false", "null",
        "{\"a\":[1,{\"b\":null}]}")) {
      assertThat(builder().payloadJson(good).build().payloadJson()).isEqualTo(good);
    }
  }

  @Test
  void theTextIsKeptExactlyExceptForWhitespaceAroundTheValue() {
    String text = "{ \"n\" : 0.10000000000000000000001, \"e\":\"\\u00e9\" }";
    assertThat(builder().payloadJson(" \n" + text + "\t\r\n").build().payloadJson()).isEqualTo(text);
    Envelope e = builder().payloadJson("{}").contexts(List.of(new Entity("s", " [1] "))).build();
    assertThat(e.contexts().get(0).dataJson()).isEqualTo("[1]");
  }
}
