package dev.eventkit.internal.id;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RandomIdsTest {

  @Test
  void uuidsAreVersionFourInCanonicalFormAndDistinct() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      String id = RandomIds.uuid();
      assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
      UUID parsed = UUID.fromString(id);
      assertThat(parsed.version()).isEqualTo(4);
      assertThat(parsed.variant()).isEqualTo(2);
      seen.add(id);
    }
    assertThat(seen).hasSize(10_000);
  }

  @Test
  void hexIdsAre32LowerCaseDigitsAndDistinct() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      String id = RandomIds.hex128();
      assertThat(id).matches("[0-9a-f]{32}");
      seen.add(id);
    }
    assertThat(seen).hasSize(10_000);
    // Leading zeros are kept: every position takes every digit over many ids.
    assertThat(seen.stream().map(s -> s.charAt(0)).distinct().count()).isEqualTo(16);
  }
}
