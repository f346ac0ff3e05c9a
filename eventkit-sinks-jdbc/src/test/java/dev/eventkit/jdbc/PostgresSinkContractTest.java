package dev.eventkit.jdbc;

import dev.eventkit.event.Envelope;
import dev.eventkit.testing.SinkContract;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link PostgresSink} keeps eventkit-testing's sink contract against a real PostgreSQL server: each sink writes
 * tables of its own (a table prefix per sink), read back by {@code event_id}. Its inserts are idempotent, so a
 * replay must store nothing new.
 */
class PostgresSinkContractTest extends SinkContract<PostgresSink> {

  private static final AtomicInteger PREFIXES = new AtomicInteger();
  @AutoClose
  private static LocalPostgres pg;

  @BeforeAll
  static void startServer() throws Exception {
    pg = new LocalPostgres();
  }

  @Override
  protected PostgresSink createSink() {
    return PostgresSink.builder(pg.jdbcUrl()).user(LocalPostgres.USER).tablePrefix("c" + PREFIXES.incrementAndGet()
        + "_").poolSize(2).connectTimeout(Duration.ofSeconds(10)).build();
  }

  @Override
  protected List<String> deliveredIds(PostgresSink sink) {
    return pg.eventIds(sink.tableFor(Envelope.DEFAULT_STREAM));
  }

  @Override
  protected boolean idempotent() {
    return true;
  }
}
