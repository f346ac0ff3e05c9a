package dev.eventkit.gcp.bigquery.tables;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.Clustering;
import com.google.cloud.bigquery.DatasetId;
import com.google.cloud.bigquery.DatasetInfo;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.StandardTableDefinition;
import com.google.cloud.bigquery.Table;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.bigquery.TableInfo;
import com.google.cloud.bigquery.TimePartitioning;
import dev.eventkit.event.Entity;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.schema.SchemaInfo;
import dev.eventkit.schema.SchemaLookup;
import dev.eventkit.schema.SchemaRegistry;
import dev.eventkit.schema.SchemaUri;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The table manager of typed tables: routes each event to the table of its schema, creating the table on demand
 * and evolving it in place for new minor versions.
 *
 * <p><b>Routing</b> ({@link #route}): an event goes to its schema's table ({@link TableNames#table}) when it is
 * valid, names an Iglu {@code jsonschema} URI, the registry serves that schema, the schema maps
 * ({@link SchemaMapping}) and every payload value fits its column; otherwise it goes to the raw table, unchanged.
 * A registry that cannot be reached makes the event wait ({@link Route.Kind#RETRY}).
 *
 * <p><b>Tables</b> are created with the common columns ({@link TypedRows}), the schema's columns and a column per
 * context schema the event carries; partitioned by day of {@code received_at}, clustered by {@code stream}, the
 * description naming the schema family ({@code iglu:vendor/name/jsonschema/MODEL-*-*}). A table whose columns do
 * not cover an event is patched ({@link SchemaEvolution}: new NULLABLE columns, relaxed REQUIRED ones) and read
 * back to check the change took. A change that cannot be applied (a type changed within a model, a patch the
 * service refuses or does not apply) is logged once per table and schema, remembered for
 * {@code refusalMemory}, and the events are routed to the dead letter; a patch failing for now (5xx, network) makes
 * them wait. Missing context columns that cannot be added, for good or for now, only leave those contexts out of
 * the typed columns for {@code refusalMemory} (they stay in {@code contexts}): an event does not wait for them. A table named like the
 * schema but holding another family (described otherwise) is not touched: those events go raw.
 *
 * <p>Thread-safe: the known schema of each table is cached; changes to one table are serialised. Call
 * {@link #invalidate} when a write to a table failed, so that the next event checks it again (and re-creates it
 * if it vanished). Logs name tables, schemas and columns, never values.
 */
public final class SchemaTables {

  private static final Logger LOG = LoggerFactory.getLogger(SchemaTables.class);
  private static final String DESCRIPTION_PREFIX = "eventkit typed events of ";

  private final BigQuery bigQuery;
  private final String project;
  private final String dataset;
  private final String location;
  private final String tablePrefix;
  private final SchemaRegistry registry;
  private final Duration refusalMemory;
  private final Clock clock;
  private final Map<SchemaUri, Mapping> mappings = new ConcurrentHashMap<>();
  private final Map<TableId, Schema> known = new ConcurrentHashMap<>();
  private final Map<String, Refusal> refusals = new ConcurrentHashMap<>();
  private final Map<TableId, Object> locks = new ConcurrentHashMap<>();
  /** Table, schema URI and context columns known to fit: the per-event fast path. */
  private final Set<String> ready = ConcurrentHashMap.newKeySet();
  private volatile boolean datasetReady;

  private record Mapping(MappedSchema schema, String problem) {}

  private record Refusal(String reason, Instant until) {}

  private enum Outcome {
    READY, REFUSED, RETRY
  }

  private record Ensured(Outcome outcome, String reason) {}

  private SchemaTables(Builder b) {
    this.bigQuery = b.bigQuery;
    this.project = b.project;
    this.dataset = b.dataset;
    this.location = b.location;
    this.tablePrefix = b.tablePrefix;
    this.registry = b.registry;
    this.refusalMemory = b.refusalMemory;
    this.clock = b.clock;
  }

  /** A builder for typed tables in {@code dataset}, typed from the schemas {@code registry} serves. */
  public static Builder builder(BigQuery bigQuery, String dataset, SchemaRegistry registry) {
    return new Builder(bigQuery, dataset, registry);
  }

  /** The dataset the tables live in. */
  public String dataset() {
    return dataset;
  }

  /** Decides where an event goes, creating or evolving its table when needed. Never throws. */
  public Route route(Envelope e) {
    if (e.schema() == null) {
      return Route.raw("no schema");
    }
    if (e.validation().status() != Validation.Status.VALID) {
      return Route.raw("not valid");
    }
    if (!SchemaUri.isWellFormed(e.schema())) {
      return Route.raw("malformed schema URI");
    }
    SchemaUri uri = SchemaUri.parse(e.schema());
    Optional<String> name = TableNames.table(uri);
    if (name.isEmpty()) {
      return Route.raw("not an Iglu jsonschema URI");
    }
    Mapping m;
    try {
      m = mapping(uri);
    } catch (RetryException r) {
      return Route.retry(r.getMessage());
    }
    if (m.problem != null) {
      return Route.raw(m.problem);
    }
    String tableName = tablePrefix + name.get();
    TableId table = project == null ? TableId.of(dataset, tableName) : TableId.of(project, dataset, tableName);
    Map<String, MappedSchema> contexts = contexts(e, table);
    try {
      ObjectNode row = TypedRows.row(e, m.schema, contexts);
      String readyKey = table + "|" + uri + "|" + contexts.keySet();
      if (ready.contains(readyKey)) {
        return Route.typed(table, row);
      }
      Ensured ensured = ensure(table, TableNames.family(uri).orElseThrow(),
          TypedRows.tableSchema(m.schema, contexts));
      if (ensured.outcome == Outcome.READY) {
        ready.add(readyKey);
      }
      if (ensured.outcome != Outcome.READY && !contexts.isEmpty()) {
        // Maybe only the context columns cannot be added (for good or for now): the event need not wait for them,
        // its contexts stay in the contexts column. The context columns are tried again after refusalMemory.
        for (String column : contexts.keySet()) {
          row.remove(column);
        }
        Ensured bare = ensure(table, TableNames.family(uri).orElseThrow(), TypedRows.tableSchema(m.schema, Map.of()));
        if (bare.outcome == Outcome.READY) {
          rememberRefusal(contextKey(table, contexts), ensured.reason);
          return Route.typed(table, row);
        }
        ensured = bare;
      }
      switch (ensured.outcome) {
        case READY:
          return Route.typed(table, row);
        case RETRY:
          return Route.retry(ensured.reason);
        default:
          return ensured.reason.startsWith("foreign:") ? Route.raw(ensured.reason.substring(8))
              : Route.deadLetter(ensured.reason);
      }
    } catch (UnmappableException x) {
      return Route.raw(x.getMessage());
    }
  }

  /** Forgets what is known of a table, so that the next event checks (and re-creates) it. */
  public void invalidate(TableId table) {
    known.remove(table);
    ready.removeIf(k -> k.startsWith(table + "|"));
  }

  /** The table's schema as last seen or set by this manager; null when unknown. */
  public Schema knownSchema(TableId table) {
    return known.get(table);
  }

  /** The context columns this event fills: schemas the registry serves that map and whose values fit. */
  private Map<String, MappedSchema> contexts(Envelope e, TableId table) {
    Map<String, MappedSchema> out = new LinkedHashMap<>();
    for (Entity c : e.contexts()) {
      if (!SchemaUri.isWellFormed(c.schema())) {
        continue;
      }
      SchemaUri uri = SchemaUri.parse(c.schema());
      Optional<String> column = TableNames.contextColumn(uri);
      if (column.isEmpty() || out.containsKey(column.get())) {
        continue;
      }
      try {
        Mapping m = mapping(uri);
        if (m.problem == null) {
          TypedRows.contextValues(e, m.schema);
          out.put(column.get(), m.schema);
        }
      } catch (RetryException | UnmappableException x) {
        // Left to the contexts column, which keeps every context as JSON text.
      }
    }
    if (!out.isEmpty() && refused(contextKey(table, out)) != null) {
      return Map.of();
    }
    return out;
  }

  private static String contextKey(TableId table, Map<String, MappedSchema> contexts) {
    StringBuilder key = new StringBuilder(table.toString()).append("|contexts");
    contexts.values().forEach(m -> key.append('|').append(m.uri()));
    return key.toString();
  }

  private static final class RetryException extends Exception {
    private static final long serialVersionUID = 1L;

    RetryException(String message) {
      super(message);
    }
  }

  private Mapping mapping(SchemaUri uri) throws RetryException {
    Mapping cached = mappings.get(uri);
    if (cached != null) {
      return cached;
    }
    SchemaLookup lookup = registry.lookup(uri);
    if (lookup.outcome() == SchemaLookup.Outcome.UNAVAILABLE) {
      throw new RetryException("the schema registry cannot reach the schema " + uri);
    }
    if (lookup.outcome() == SchemaLookup.Outcome.NOT_FOUND) {
      return new Mapping(null, "no source holds the schema"); // not cached: it may be published later
    }
    Mapping m;
    if (lookup.info() != null && lookup.info().state() == SchemaInfo.State.INVALID) {
      m = new Mapping(null, "the schema is unusable");
    } else {
      try {
        JsonNode doc = TypedRows.parseJson(lookup.text());
        m = new Mapping(SchemaMapping.map(uri.toString(), doc, TypedRows.reserved()), null);
      } catch (IllegalArgumentException ex) {
        m = new Mapping(null, "the schema is not JSON");
      } catch (UnmappableException ex) {
        m = new Mapping(null, ex.getMessage());
      }
    }
    if (m.problem != null) {
      LOG.info("schema {} has no typed table: {}", uri, m.problem);
    }
    mappings.put(uri, m);
    return m;
  }

  private Ensured ensure(TableId table, String family, Schema wanted) {
    Schema have = known.get(table);
    if (have != null && SchemaEvolution.covers(have, wanted)) {
      return new Ensured(Outcome.READY, null);
    }
    String key = table + "|" + wanted;
    String refusal = refused(key);
    if (refusal != null) {
      return new Ensured(Outcome.REFUSED, refusal);
    }
    synchronized (locks.computeIfAbsent(table, t -> new Object())) {
      try {
        return ensureLocked(table, family, wanted, key);
      } catch (BigQueryException x) {
        invalidate(table);
        return new Ensured(Outcome.RETRY, "BigQuery: " + x.getCode()
            + (x.getReason() != null ? " " + x.getReason() : ""));
      }
    }
  }

  private Ensured ensureLocked(TableId table, String family, Schema wanted, String key) {
    Schema have = known.get(table);
    if (have != null && SchemaEvolution.covers(have, wanted)) {
      return new Ensured(Outcome.READY, null);
    }
    Table t = bigQuery.getTable(table);
    if (t == null) {
      create(table, family, wanted);
      return new Ensured(Outcome.READY, null);
    }
    String description = t.getDescription();
    if (description != null && description.startsWith(DESCRIPTION_PREFIX)
        && !description.equals(DESCRIPTION_PREFIX + family)) {
      String reason = "table " + table.getTable() + " holds " + description.substring(DESCRIPTION_PREFIX.length());
      LOG.warn("typed tables: {}; events of {} go to the raw table", reason, family);
      return new Ensured(Outcome.REFUSED, "foreign:" + reason);
    }
    Schema current = schemaOf(t);
    SchemaEvolution.Result r = SchemaEvolution.merge(current, wanted);
    if (!r.possible()) {
      return refuse(table, key, r.problem());
    }
    if (!r.changed()) {
      known.put(table, current);
      return new Ensured(Outcome.READY, null);
    }
    try {
      // A patch naming only the schema: partitioning, clustering and the rest stay as they are.
      bigQuery.update(TableInfo.of(table, StandardTableDefinition.of(r.schema())));
    } catch (BigQueryException x) {
      if (x.getCode() == 400) {
        return refuse(table, key, "BigQuery refused the new columns (" + x.getReason() + ")");
      }
      invalidate(table);
      LOG.warn("typed tables: cannot add columns to {}.{} now (BigQuery {}); its events wait", table.getDataset(),
          table.getTable(), x.getCode());
      return new Ensured(Outcome.RETRY, "cannot add columns to table " + table.getTable() + " now: BigQuery "
          + x.getCode() + (x.getReason() != null ? " " + x.getReason() : ""));
    }
    Table after = bigQuery.getTable(table);
    if (after == null || !SchemaEvolution.covers(schemaOf(after), wanted)) {
      return refuse(table, key, "the table's schema did not take the new columns");
    }
    known.put(table, schemaOf(after));
    LOG.info("typed tables: added columns to {}.{}", table.getDataset(), table.getTable());
    return new Ensured(Outcome.READY, null);
  }

  private Ensured refuse(TableId table, String key, String problem) {
    String reason = "cannot change table " + table.getTable() + ": " + problem;
    LOG.warn("typed tables: {}; its events go to the dead letter", reason);
    rememberRefusal(key, reason);
    return new Ensured(Outcome.REFUSED, reason);
  }

  private void rememberRefusal(String key, String reason) {
    refusals.put(key, new Refusal(reason, clock.instant().plus(refusalMemory)));
  }

  private String refused(String key) {
    Refusal r = refusals.get(key);
    if (r == null) {
      return null;
    }
    if (clock.instant().isAfter(r.until)) {
      refusals.remove(key, r);
      return null;
    }
    return r.reason;
  }

  private static Schema schemaOf(Table t) {
    Schema s = t.getDefinition().getSchema();
    return s != null ? s : Schema.of(List.of());
  }

  private void create(TableId table, String family, Schema schema) {
    ensureDataset(table);
    StandardTableDefinition definition = StandardTableDefinition.newBuilder()
        .setSchema(schema)
        .setTimePartitioning(TimePartitioning.newBuilder(TimePartitioning.Type.DAY)
            .setField(TypedRows.RECEIVED_AT).build())
        .setClustering(Clustering.newBuilder().setFields(List.of(TypedRows.STREAM)).build())
        .build();
    try {
      bigQuery.create(TableInfo.newBuilder(table, definition).setDescription(DESCRIPTION_PREFIX + family).build());
      known.put(table, schema);
      LOG.info("typed tables: created {}.{}", table.getDataset(), table.getTable());
    } catch (BigQueryException x) {
      // Created meanwhile by another collector: the next event compares with what is there.
      if (x.getCode() != 409) {
        throw x;
      }
      throw new BigQueryException(503, "table created concurrently; checking again");
    }
  }

  private void ensureDataset(TableId table) {
    if (datasetReady) {
      return;
    }
    DatasetId id = table.getProject() == null ? DatasetId.of(table.getDataset())
        : DatasetId.of(table.getProject(), table.getDataset());
    if (bigQuery.getDataset(id) == null) {
      DatasetInfo.Builder info = DatasetInfo.newBuilder(id);
      if (location != null) {
        info.setLocation(location);
      }
      try {
        bigQuery.create(info.build());
      } catch (BigQueryException x) {
        if (bigQuery.getDataset(id) == null) {
          throw x;
        }
      }
    }
    datasetReady = true;
  }

  /**
   * Configures {@link SchemaTables}; not thread-safe. Defaults: the client's project, no location, refusals
   * remembered for 5 minutes.
   */
  public static final class Builder {
    private final BigQuery bigQuery;
    private final String dataset;
    private final SchemaRegistry registry;
    private String project;
    private String location;
    private String tablePrefix = "";
    private Duration refusalMemory = Duration.ofMinutes(5);
    private Clock clock = Clock.systemUTC();

    private Builder(BigQuery bigQuery, String dataset, SchemaRegistry registry) {
      this.bigQuery = Objects.requireNonNull(bigQuery, "bigQuery");
      this.dataset = Objects.requireNonNull(dataset, "dataset");
      this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** The project of the tables; null for the client's. */
    public Builder project(String project) {
      this.project = project;
      return this;
    }

    /** The location of a dataset created on demand; null for the service default. */
    public Builder location(String location) {
      this.location = location;
      return this;
    }

    /** A prefix for every typed table's name (default none: {@code com_acme_checkout_1}). */
    public Builder tablePrefix(String prefix) {
      if (!prefix.matches("[A-Za-z0-9_]*")) {
        throw new IllegalArgumentException("tablePrefix must be letters, digits and underscores");
      }
      this.tablePrefix = prefix;
      return this;
    }

    /** How long a change that could not be applied is not tried again (its events are dead-lettered). */
    public Builder refusalMemory(Duration memory) {
      this.refusalMemory = Objects.requireNonNull(memory, "refusalMemory");
      return this;
    }

    /** The clock of the refusal memory. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    public SchemaTables build() {
      return new SchemaTables(this);
    }
  }
}
