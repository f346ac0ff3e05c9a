package dev.eventkit.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Reads the {@code id} of each NDJSON line, as the core sinks write envelopes. */
final class NdjsonIds {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private NdjsonIds() {}

  static List<String> of(String text) {
    List<String> ids = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank()) {
        try {
          ids.add(MAPPER.readTree(line).get("id").asText());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    return ids;
  }
}
