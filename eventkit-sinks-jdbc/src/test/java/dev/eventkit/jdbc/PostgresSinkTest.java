package dev.eventkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventkit.Pipeline;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.delivery.RetryPolicy;
import dev.eventkit.delivery.SinkStatus;
import dev.eventkit.event.Entity;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.event.ValidationError;
import dev.eventkit.sink.InMemorySink;
import dev.eventkit.sink.WriteResult;
import dev.eventkit.testing.Flushing;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PostgresSink} against a real PostgreSQL server started for the test class. */
class PostgresSinkTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static LocalPostgres pg;

  @TempDir
  Path dir;

  @BeforeAll
  static void startServer() throws Exception {
    pg = new LocalPostgres();
  }

  @AfterAll
  static void stopServer() {
    if (pg != null) {
      pg.close();
    }
  }

  /** A table prefix of its own for each test, so that tests share the server but no tables. */
  private static String prefix() {
    return "t" + PREFIXES.incrementAndGet() + "_";
  }

  private static PostgresSink sink(String prefix) {
    return PostgresSink.builder(pg.jdbcUrl()).user(LocalPostgres.USER).tablePrefix(prefix).poolSize(2)
        .connectTimeout(Duration.ofSeconds(10)).build();
  }

  private static Envelope event(String id, String stream) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
    return Envelope.builder().id(id).protocol("segment").stream(stream).receivedAt(now)
        .payloadJson("{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"id\":\"" + id + "\"}").build();
  }

  private static List<Envelope> events(String prefix, int count, String stream) {
    List<Envelope> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(event(prefix + "-" + i, stream));
    }
    return out;
  }

  private static List<String> ids(String table) {
    return pg.eventIds(table);
  }

  private static WriteResult write(PostgresSink sink, List<Envelope> batch) throws Exception {
    return sink.write(batch).get(30, TimeUnit.SECONDS);
  }

  @Test
  void rowsReadBackEqualWhatWasSent() throws Exception {
    Envelope rich = Envelope.builder().id("r1").protocol("snowplow").stream("Web-Shop")
        .schema("iglu:com.acme/click/jsonschema/1-0-0")
        .payloadJson("{\"x\":1,\"big\":123456789012345678901234567890,\"s\":\"ü\\n\\\"\",\"a\":[true,null,1.5]}")
        .contexts(List.of(new Entity("iglu:com.acme/ctx/jsonschema/1-0-0", "{\"k\":\"v\"}")))
        .sentAt(Instant.parse("2026-11-30T06:00:00.123Z")).receivedAt(Instant.parse("2026-11-30T06:00:01.456789Z"))
        .clientIp("203.0.113.7").userAgent("Mozilla/5.0").attribute("tenant", "t1")
        .validation(Validation.invalid(ValidationError.PAYLOAD_INVALID, "not an object", List.of())).build();
    Envelope plain = event("p1", "default");
    String prefix = prefix();
    try (PostgresSink sink = sink(prefix)) {
      assertThat(write(sink, List.of(rich, plain)).isSuccess()).isTrue();

      String webTable = sink.tableFor("Web-Shop");
      assertThat(webTable).startsWith(prefix + "web_shop_").hasSize(prefix.length() + "web_shop_".length() + 8);
      try (Connection c = pg.connect();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT * FROM \"" + webTable + "\"")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString("event_id")).isEqualTo("r1");
        assertThat(rs.getString("stream")).isEqualTo("Web-Shop");
        assertThat(rs.getString("protocol")).isEqualTo("snowplow");
        assertThat(rs.getString("schema")).isEqualTo("iglu:com.acme/click/jsonschema/1-0-0");
        assertThat(MAPPER.readTree(rs.getString("payload"))).isEqualTo(MAPPER.readTree(rich.payloadJson()));
        assertThat(MAPPER.readTree(rs.getString("contexts")))
            .isEqualTo(MAPPER.readTree("[{\"schema\":\"iglu:com.acme/ctx/jsonschema/1-0-0\",\"data\":{\"k\":\"v\"}}]"));
        assertThat(rs.getObject("received_at", OffsetDateTime.class).toInstant()).isEqualTo(rich.receivedAt());
        assertThat(rs.getObject("sent_at", OffsetDateTime.class).toInstant()).isEqualTo(rich.sentAt());
        assertThat(rs.getString("client_ip")).isEqualTo("203.0.113.7");
        assertThat(rs.getString("user_agent")).isEqualTo("Mozilla/5.0");
        assertThat(rs.getString("validation_status")).isEqualTo("invalid");
        assertThat(rs.getString("validation_error")).isEqualTo(ValidationError.PAYLOAD_INVALID.wireName());
        assertThat(rs.getString("validation_message")).isEqualTo("not an object");
        assertThat(MAPPER.readTree(rs.getString("attributes"))).isEqualTo(MAPPER.readTree("{\"tenant\":\"t1\"}"));
        assertThat(rs.getString("collector")).isEqualTo(rich.collector().name() + "/" + rich.collector().version());
        assertThat(rs.next()).isFalse();
      }
      try (Connection c = pg.connect();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT * FROM \"" + prefix + "default\"")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString("event_id")).isEqualTo("p1");
        assertThat(MAPPER.readTree(rs.getString("payload"))).isEqualTo(MAPPER.readTree(plain.payloadJson()));
        assertThat(rs.getObject("received_at", OffsetDateTime.class).toInstant()).isEqualTo(plain.receivedAt());
        assertThat(rs.getString("sent_at")).isNull();
        assertThat(rs.getString("contexts")).isNull();
        assertThat(rs.getString("attributes")).isNull();
        assertThat(rs.getString("validation_status")).isEqualTo("not_validated");
        assertThat(rs.next()).isFalse();
      }
    }
  }

  @Test
  void aReplayWritesNothingTwice() throws Exception {
    String prefix = prefix();
    List<Envelope> first = events("a", 40, "default");
    List<Envelope> overlapping = new ArrayList<>(first.subList(20, 40));
    overlapping.addAll(events("b", 10, "default"));
    try (PostgresSink sink = sink(prefix)) {
      assertThat(write(sink, first).isSuccess()).isTrue();
      assertThat(write(sink, first).isSuccess()).isTrue();
      assertThat(write(sink, overlapping).isSuccess()).isTrue();
    }
    List<String> expected = new ArrayList<>(first.stream().map(Envelope::id).toList());
    expected.addAll(events("b", 10, "default").stream().map(Envelope::id).toList());
    assertThat(ids(prefix + "default")).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void anEventTheDatabaseRefusesIsDeadLetteredAloneAndTheRestStored() throws Exception {
    String prefix = prefix();
    List<Envelope> good = events("ok", 30, "default");
    // PostgreSQL's jsonb cannot hold U+0000: a data exception (22P05) for this event only.
    Envelope poison = Envelope.builder().id("poison").protocol("segment").receivedAt(Instant.now())
        .payloadJson("{\"s\":\"a\\u0000b\"}").build();
    List<Envelope> all = new ArrayList<>(good);
    all.add(11, poison);
    InMemorySink dead = new InMemorySink("dead");
    try (Pipeline p = Pipeline.builder().ringBuffer(SqliteRingBuffer.at(dir.resolve("wal.db"))).sink(sink(prefix))
        .deadLetterSink(dead).batchSize(50).build().start()) {
      p.collect(all).join();
      assertThat(Flushing.flushed(p, Duration.ofSeconds(30))).isTrue();
      SinkStatus s = p.status().sinks().stream().filter(x -> x.sink().equals("postgres")).findFirst().orElseThrow();
      assertThat(s.deadLettered()).isEqualTo(1);
      assertThat(s.lastError()).contains("22P05");
    }
    assertThat(dead.envelopes()).extracting(Envelope::id).containsExactly("poison");
    assertThat(ids(prefix + "default")).containsExactlyInAnyOrderElementsOf(good.stream().map(Envelope::id).toList());
  }

  @Test
  void aServerStoppedAndRestartedInTheMiddleOfARunEndsWithEveryEventOnce() throws Exception {
    String prefix = prefix();
    String table = prefix + "default";
    RetryPolicy retry = RetryPolicy.builder().initialDelay(Duration.ofMillis(100)).maxDelay(Duration.ofSeconds(1))
        .build();
    try (Pipeline p = Pipeline.builder().ringBuffer(SqliteRingBuffer.at(dir.resolve("wal.db")))
        .sink(sink(prefix), retry).batchSize(10).build().start()) {
      List<Envelope> before = events("before", 30, "default");
      p.collect(before).join();
      await().atMost(Duration.ofSeconds(20)).until(() -> ids(table).size() >= 30);

      List<Envelope> during = events("during", 50, "default");
      pg.stop();
      try {
        for (int i = 0; i < during.size(); i += 10) {
          p.collect(during.subList(i, i + 10)).join();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> {
          SinkStatus s = p.status().sinks().get(0);
          return s.retried() > 0 && s.lagEvents() > 0;
        });
      } finally {
        pg.start();
      }
      List<Envelope> after = events("after", 20, "default");
      p.collect(after).join();
      assertThat(Flushing.flushed(p, Duration.ofSeconds(60))).as("everything delivered after the restart").isTrue();

      List<String> expected = new ArrayList<>();
      for (List<Envelope> part : List.of(before, during, after)) {
        part.forEach(e -> expected.add(e.id()));
      }
      assertThat(ids(table)).as("each event exactly once").containsExactlyInAnyOrderElementsOf(expected);
      assertThat(p.status().sinks().get(0).lastError()).containsAnyOf("SQLState 08", "SQLState 57P");
    }
  }
}
