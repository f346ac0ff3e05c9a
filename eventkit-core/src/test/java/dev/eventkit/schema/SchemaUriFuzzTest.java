package dev.eventkit.schema;

import static dev.eventkit.testing.FuzzCollector.require;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Optional;

/**
 * Coverage-guided fuzz target for {@link SchemaUri#parse}, which every input runs on client-supplied schema names:
 * bad input fails only with {@link IllegalArgumentException} (with a message free of control characters, as it is
 * logged and answered), and a name it accepts prints back as given, parses again to itself, and has a path of
 * non-empty segments none of which is {@code .} or {@code ..} (so no name escapes a source's root).
 */
class SchemaUriFuzzTest {

  @FuzzTest
  @DictionaryEntries({"iglu:", "com.acme", "/jsonschema/", "1-0-0", ".json", "..", "/", "-", "_"})
  void parse(FuzzedDataProvider data) {
    String text = data.consumeRemainingAsString();
    SchemaUri uri;
    try {
      uri = SchemaUri.parse(text);
    } catch (IllegalArgumentException e) {
      require(e.getMessage() != null && e.getMessage().chars().noneMatch(Character::isISOControl),
          "a refusal's message holds control characters");
      require(!SchemaUri.isWellFormed(text), "isWellFormed disagrees with parse");
      return;
    }
    require(uri.toString().equals(text), "parsed URI prints differently");
    require(SchemaUri.parse(uri.toString()).equals(uri), "printed URI parses to another");
    require(SchemaUri.isWellFormed(text), "isWellFormed disagrees with parse");
    for (String segment : uri.path().split("/", -1)) {
      require(!segment.isEmpty() && !segment.equals(".") && !segment.equals(".."), "path segment '" + segment + "'");
    }
    require(uri.path().startsWith(uri.vendor()), "vendor is not the path's first segment");
    require(uri.vendorMatches(uri.vendor()), "a vendor does not match itself");
    if (uri.kind() == SchemaUri.Kind.IGLU) {
      require(SchemaUri.fromPath(uri.path()).equals(Optional.of(uri)), "an Iglu URI's path names another schema");
    }
  }
}
