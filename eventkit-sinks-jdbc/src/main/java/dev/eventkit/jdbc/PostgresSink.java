package dev.eventkit.jdbc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.eventkit.event.Entity;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.sink.Failure;
import dev.eventkit.sink.Sink;
import dev.eventkit.sink.WriteResult;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inserts envelopes into PostgreSQL, one table per stream, created on demand.
 *
 * <p>Tables: {@code <prefix><stream>}, the stream lower-cased with every character outside {@code [a-z0-9_]}
 * replaced by {@code _}; when that changed the name (or it would exceed PostgreSQL's 63 bytes) eight hex digits of
 * the stream's hash are appended, so that two streams never share a table. Columns: {@code event_id} (primary key),
 * {@code stream}, {@code protocol}, {@code schema}, {@code payload} (jsonb), {@code contexts} (jsonb array of
 * {@code {"schema","data"}}), {@code received_at}, {@code sent_at} (timestamptz, microseconds), {@code client_ip},
 * {@code user_agent}, {@code validation_status}, {@code validation_error}, {@code validation_message},
 * {@code attributes} (jsonb), {@code collector} ({@code name/version}).
 *
 * <p>Idempotent: rows are inserted with {@code ON CONFLICT (event_id) DO NOTHING}, so an event the log delivers
 * again after a crash or an outage is written once. A batch is one transaction: it commits whole or not at all.
 *
 * <p>Failures are classified by SQLState (see {@code SqlStates}): connection loss, serialization failures,
 * deadlocks, a server shutting down and lack of resources are retryable; data errors (an invalid value, a JSON
 * string holding the character U+0000), integrity violations and most syntax errors refuse the batch as a whole,
 * and the pipeline halves it until the refused events stand alone and are dead-lettered. Messages of database errors are never
 * logged or reported (they may quote row data); only SQLStates are.
 *
 * <p>Thread-safety: thread-safe. Writes run on the sink's own threads (as many as the pool has connections), so up
 * to that many batches are inserted at once; {@link #close()} waits briefly for running writes, then closes the pool
 * (when the sink created it).
 */
public final class PostgresSink implements Sink {

  private static final Logger LOG = LoggerFactory.getLogger(PostgresSink.class);
  private static final JsonFactory JSON = new JsonFactory();
  private static final Pattern PREFIX = Pattern.compile("[a-z_][a-z0-9_]*");
  private static final int MAX_IDENTIFIER = 63;
  private static final String COLUMNS = "event_id, stream, protocol, schema, payload, contexts, received_at, sent_at,"
      + " client_ip, user_agent, validation_status, validation_error, validation_message, attributes, collector";
  private static final String VALUES =
      "(?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)";

  private final String name;
  private final String tablePrefix;
  private final DataSource dataSource;
  private final HikariDataSource ownedPool;
  private final ExecutorService writers;
  /** Tables known to exist; a table dropped behind the sink's back is forgotten on the error it causes. */
  private final Set<String> knownTables = ConcurrentHashMap.newKeySet();
  private final Map<String, Object> creationLocks = new ConcurrentHashMap<>();

  private PostgresSink(Builder b) {
    this.name = b.name;
    this.tablePrefix = b.tablePrefix;
    int threads;
    if (b.dataSource != null) {
      this.dataSource = b.dataSource;
      this.ownedPool = null;
      threads = b.poolSize;
    } else {
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(b.jdbcUrl);
      if (b.user != null) {
        config.setUsername(b.user);
      }
      if (b.password != null) {
        config.setPassword(b.password);
      }
      config.setPoolName("eventkit-" + b.name);
      config.setMaximumPoolSize(b.poolSize);
      config.setMinimumIdle(Math.min(1, b.poolSize));
      config.setAutoCommit(false);
      config.setConnectionTimeout(b.connectTimeout.toMillis());
      // A sink built while the database is down starts anyway: writes fail retryably until it is back.
      config.setInitializationFailTimeout(-1);
      // The driver turns a batch of single-row inserts into multi-row statements.
      config.addDataSourceProperty("reWriteBatchedInserts", "true");
      this.ownedPool = new HikariDataSource(config);
      this.dataSource = ownedPool;
      threads = b.poolSize;
    }
    AtomicInteger n = new AtomicInteger();
    this.writers = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "eventkit-" + name + "-writer-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** Configures a sink that pools its own connections to {@code jdbcUrl} ({@code jdbc:postgresql://…}). */
  public static Builder builder(String jdbcUrl) {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database) is needed");
    }
    return new Builder(jdbcUrl, null);
  }

  /**
   * Configures a sink that borrows connections from {@code dataSource}, which it does not close. Connections must
   * come with auto-commit off or on; the sink sets it off for its own transactions and restores it.
   */
  public static Builder builder(DataSource dataSource) {
    return new Builder(null, Objects.requireNonNull(dataSource, "dataSource"));
  }

  @Override
  public String name() {
    return name;
  }

  /** The table the events of {@code stream} go to. */
  public String tableFor(String stream) {
    return tableName(tablePrefix, stream);
  }

  @Override
  public CompletableFuture<WriteResult> write(List<Envelope> batch) {
    List<Envelope> events = List.copyOf(batch);
    try {
      return CompletableFuture.supplyAsync(() -> insert(events), writers);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.completedFuture(WriteResult.failed(Failure.retryable("sink closed")));
    }
  }

  private WriteResult insert(List<Envelope> events) {
    Map<String, List<Envelope>> byTable = new LinkedHashMap<>();
    for (Envelope e : events) {
      byTable.computeIfAbsent(tableFor(e.stream()), t -> new ArrayList<>()).add(e);
    }
    try (Connection c = dataSource.getConnection()) {
      boolean autoCommit = c.getAutoCommit();
      try {
        for (String table : byTable.keySet()) {
          ensureTable(c, table);
        }
        c.setAutoCommit(false);
        try {
          for (Map.Entry<String, List<Envelope>> t : byTable.entrySet()) {
            insertRows(c, t.getKey(), t.getValue());
          }
          c.commit();
        } catch (SQLException | RuntimeException e) {
          rollbackQuietly(c);
          throw e;
        }
      } finally {
        if (autoCommit) {
          c.setAutoCommit(true);
        }
      }
      return WriteResult.success();
    } catch (TableNotReady e) {
      String state = SqlStates.stateOf(e);
      LOG.warn("postgres sink {} cannot create its table: SQLState {}; retried", name, state);
      return WriteResult.failed(Failure.retryable("table not created: SQLState " + state));
    } catch (SQLException e) {
      Failure f = SqlStates.classify(e);
      if ("42P01".equals(SqlStates.stateOf(e))) {
        knownTables.removeAll(byTable.keySet()); // dropped behind the sink's back: create it on the retry
      }
      LOG.warn("postgres sink {} could not insert {} event(s): {} ({})", name, events.size(), f.reason(),
          f.retryable() ? "retried" : "refused");
      return WriteResult.failed(f);
    }
  }

  private void ensureTable(Connection c, String table) throws SQLException {
    if (knownTables.contains(table)) {
      return;
    }
    // Concurrent CREATE TABLE IF NOT EXISTS of one table can fail on PostgreSQL's catalog: serialise in-process.
    synchronized (creationLocks.computeIfAbsent(table, t -> new Object())) {
      if (knownTables.contains(table)) {
        return;
      }
      boolean autoCommit = c.getAutoCommit();
      c.setAutoCommit(true);
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE IF NOT EXISTS " + quote(table) + " ("
            + "event_id text PRIMARY KEY, stream text NOT NULL, protocol text NOT NULL, schema text,"
            + " payload jsonb NOT NULL, contexts jsonb, received_at timestamptz NOT NULL, sent_at timestamptz,"
            + " client_ip text, user_agent text, validation_status text NOT NULL, validation_error text,"
            + " validation_message text, attributes jsonb, collector text)");
      } catch (SQLException e) {
        throw new TableNotReady(e);
      } finally {
        c.setAutoCommit(autoCommit);
      }
      knownTables.add(table);
      LOG.info("postgres sink {} uses table {}", name, table);
    }
  }

  /** Creating a table failed: that is not about the events, so refusing them would not help. */
  private static final class TableNotReady extends SQLException {
    TableNotReady(SQLException cause) {
      super("cannot create table", cause.getSQLState(), cause);
    }
  }

  private static void insertRows(Connection c, String table, List<Envelope> rows) throws SQLException {
    String sql = "INSERT INTO " + quote(table) + " (" + COLUMNS + ") VALUES " + VALUES
        + " ON CONFLICT (event_id) DO NOTHING";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (Envelope e : rows) {
        int i = 0;
        ps.setString(++i, e.id());
        ps.setString(++i, e.stream());
        ps.setString(++i, e.protocol());
        ps.setString(++i, e.schema());
        ps.setString(++i, e.payloadJson());
        ps.setString(++i, e.contexts().isEmpty() ? null : contextsJson(e.contexts()));
        ps.setObject(++i, timestamp(e.receivedAt()));
        if (e.sentAt() != null) {
          ps.setObject(++i, timestamp(e.sentAt()));
        } else {
          ps.setNull(++i, Types.TIMESTAMP_WITH_TIMEZONE);
        }
        ps.setString(++i, e.clientIp());
        ps.setString(++i, e.userAgent());
        Validation v = e.validation();
        ps.setString(++i, v.status().name().toLowerCase(Locale.ROOT));
        ps.setString(++i, v.error() == null ? null : v.error().wireName());
        ps.setString(++i, v.message());
        ps.setString(++i, e.attributes().isEmpty() ? null : attributesJson(e.attributes()));
        ps.setString(++i, e.collector().name() + "/" + e.collector().version());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  private static OffsetDateTime timestamp(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }

  private static String contextsJson(List<Entity> contexts) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartArray();
      for (Entity c : contexts) {
        g.writeStartObject();
        g.writeStringField("schema", c.schema());
        g.writeFieldName("data");
        g.writeRawValue(c.dataJson());
        g.writeEndObject();
      }
      g.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.toString();
  }

  private static String attributesJson(Map<String, String> attributes) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      for (Map.Entry<String, String> a : attributes.entrySet()) {
        g.writeStringField(a.getKey(), a.getValue());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // The connection is broken; the pool discards it and the failure that got us here is reported.
    }
  }

  static String tableName(String prefix, String stream) {
    String lower = stream.toLowerCase(Locale.ROOT);
    StringBuilder clean = new StringBuilder(prefix.length() + lower.length());
    clean.append(prefix);
    for (int i = 0; i < lower.length(); i++) {
      char ch = lower.charAt(i);
      clean.append((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' ? ch : '_');
    }
    String table = clean.toString();
    if (table.equals(prefix + stream) && table.length() <= MAX_IDENTIFIER) {
      return table;
    }
    String hash = shortHash(stream);
    int keep = Math.min(table.length(), MAX_IDENTIFIER - hash.length() - 1);
    return table.substring(0, keep) + "_" + hash;
  }

  private static String shortHash(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private static String quote(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }

  @Override
  public void close() {
    writers.shutdown();
    try {
      if (!writers.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS)) {
        writers.shutdownNow();
      }
    } catch (InterruptedException e) {
      writers.shutdownNow();
      Thread.currentThread().interrupt();
    }
    if (ownedPool != null) {
      ownedPool.close();
    }
  }

  /**
   * Configures a {@link PostgresSink}; not thread-safe. Defaults: name {@code postgres}, table prefix
   * {@code events_}, 4 connections, connect timeout 5 s.
   */
  public static final class Builder {
    private final String jdbcUrl;
    private final DataSource dataSource;
    private String name = "postgres";
    private String tablePrefix = "events_";
    private String user;
    private String password;
    private int poolSize = 4;
    private Duration connectTimeout = Duration.ofSeconds(5);

    private Builder(String jdbcUrl, DataSource dataSource) {
      this.jdbcUrl = jdbcUrl;
      this.dataSource = dataSource;
    }

    /** The sink's name, which names its cursor in the log. */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /** Prefixes every table name: lower-case letters, digits and {@code _}, not starting with a digit. */
    public Builder tablePrefix(String prefix) {
      if (!PREFIX.matcher(Objects.requireNonNull(prefix, "prefix")).matches() || prefix.length() > 40) {
        throw new IllegalArgumentException("the table prefix must match [a-z_][a-z0-9_]* and be at most 40 long");
      }
      this.tablePrefix = prefix;
      return this;
    }

    /** The database user (for a sink with its own pool). */
    public Builder user(String user) {
      this.user = user;
      return this;
    }

    /** The database password (for a sink with its own pool); never logged. */
    public Builder password(String password) {
      this.password = password;
      return this;
    }

    /** Connections in the pool, and batches written at once. */
    public Builder poolSize(int poolSize) {
      if (poolSize < 1) {
        throw new IllegalArgumentException("poolSize must be at least 1");
      }
      this.poolSize = poolSize;
      return this;
    }

    /** How long a write waits for a connection before it fails retryably (for a sink with its own pool). */
    public Builder connectTimeout(Duration timeout) {
      if (timeout.toMillis() < 250) {
        throw new IllegalArgumentException("connectTimeout must be at least 250 ms");
      }
      this.connectTimeout = timeout;
      return this;
    }

    public PostgresSink build() {
      return new PostgresSink(this);
    }
  }
}
