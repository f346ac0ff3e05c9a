package dev.eventkit.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

class InstantTextTest {

  @Test
  void readsWhatInstantToStringWritesAsInstantParseDoes() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    for (int i = 0; i < 20_000; i++) {
      long seconds = r.nextLong(Instant.parse("0000-01-01T00:00:00Z").getEpochSecond(),
          Instant.parse("9999-12-31T23:59:59Z").getEpochSecond());
      int nanos = switch (i % 4) {
        case 0 -> 0;
        case 1 -> r.nextInt(1000) * 1_000_000;
        case 2 -> r.nextInt(1_000_000) * 1_000;
        default -> r.nextInt(1_000_000_000);
      };
      Instant t = Instant.ofEpochSecond(seconds, nanos);
      assertThat(InstantText.parsePlain(t.toString())).as(t.toString()).isEqualTo(t);
    }
    assertThat(InstantText.parsePlain("2024-02-29T23:59:59.1Z")).isEqualTo(Instant.parse("2024-02-29T23:59:59.1Z"));
  }

  @Test
  void leavesEveryOtherSpellingToInstantParse() {
    for (String s : List.of("2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-23T24:00:00Z",
        "2026-11-23T23:59:60Z", "2026-11-23T10:15:30.Z", "2026-11-23T10:15:30.1234567890Z", "2026-11-23t10:15:30z",
        "+12026-11-23T10:15:30Z", "2026-11-23T10:15:30+01:00", "2026-11-23 10:15:30Z", "2026-1a-23T10:15:30Z",
        "secret")) {
      assertThat(InstantText.parsePlain(s)).as(s).isNull();
    }
  }
}
