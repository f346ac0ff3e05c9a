package dev.eventkit.gcp.bigquery;

import com.google.cloud.bigquery.TableId;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import dev.eventkit.event.Envelope;
import dev.eventkit.gcp.bigquery.tables.Route;
import dev.eventkit.gcp.bigquery.tables.SchemaTables;
import dev.eventkit.gcp.gcs.GcsFormat;
import dev.eventkit.gcp.gcs.GcsLayout;
import dev.eventkit.gcp.gcs.GcsObjects;
import dev.eventkit.internal.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loader's split by schema: each object the GCS sink wrote is read once and cut into one object per
 * destination table (each schema's typed table, the raw table for the rest), which per-table loaders then load
 * with a load job per table. Kept in the loader's state prefix {@code S}:
 *
 * <ul>
 *   <li>{@code S/routed/<object>}: marker, the object was split (its events are in the objects below);
 *   <li>{@code S/tables/<table>/dt=…/hr=…/<name>}: the object's rows for one table, same name and partition as the
 *       source, so that a split repeated after a crash re-creates the same names (created if absent);
 *   <li>{@code S/table-loads/<table>/…}: the state of that table's loader (markers, manifests, lease), exactly as a
 *       {@link BigQueryLoader}'s;
 *   <li>{@code S/dead-letter/dt=…/<name>}: the object's events whose table cannot take them (a change that cannot
 *       be applied), in {@link EnvelopeRow#gcsFormat()}, metadata {@code reason}. Nothing is lost; load them once the
 *       table is fixed by copying them back under the sink's prefix.
 * </ul>
 *
 * <p>An object with an event that must wait (schema registry or BigQuery unreachable, a table that cannot be
 * changed now) is left whole for the next run. Runs under the loader's lease; not thread-safe by itself.
 */
final class SchemaSplitLoad {

  private static final Logger LOG = LoggerFactory.getLogger(SchemaSplitLoad.class);

  /** Metadata format name of the typed rows objects ({@code TypedRows.row} per line). */
  static final String TYPED_FORMAT = "bigquery-typed-row-v1";

  private final Storage storage;
  private final SchemaTables tables;
  private final String bucket;
  private final String prefix;
  private final String state;
  private final TableId rawTable;
  private final int lookbackDays;
  private final Clock clock;
  private final Function<String, BigQueryLoader.Builder> childLoader;
  private final Map<String, BigQueryLoader> children = new LinkedHashMap<>();

  /**
   * @param childLoader a builder of a loader for a table name, connected like the parent; this class sets its
   *     prefixes and format
   */
  SchemaSplitLoad(Storage storage, SchemaTables tables, String bucket, String prefix, String state,
      TableId rawTable, int lookbackDays, Clock clock, Function<String, BigQueryLoader.Builder> childLoader) {
    this.storage = storage;
    this.tables = tables;
    this.bucket = bucket;
    this.prefix = prefix;
    this.state = state;
    this.rawTable = rawTable;
    this.lookbackDays = lookbackDays;
    this.clock = clock;
    this.childLoader = childLoader;
  }

  /** Splits what is new, then runs every table's loader; the report adds them up. */
  LoadReport run() throws InterruptedException {
    int skipped = 0;
    int split = 0;
    for (String object : pendingObjects()) {
      if (object == null) {
        skipped++;
      } else if (split(object)) {
        split++;
      }
    }
    if (split > 0) {
      LOG.info("loader {}.{}: {} object(s) split by schema", rawTable.getDataset(), rawTable.getTable(), split);
    }
    int jobs = 0;
    int loaded = 0;
    int failed = 0;
    int running = 0;
    RuntimeException first = null;
    for (String table : tableNames()) {
      try {
        LoadReport r = child(table).runOnce();
        jobs += r.jobs();
        loaded += r.objectsLoaded();
        failed += r.objectsFailed();
        skipped += r.objectsSkipped();
        running += r.jobsStillRunning();
      } catch (RuntimeException e) {
        // One table's trouble must not hold the others up; the run still reports it.
        LOG.warn("loader {}.{}: loading table {} failed: {}", rawTable.getDataset(), rawTable.getTable(), table,
            e.getClass().getSimpleName());
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
    return new LoadReport(true, jobs, loaded, failed, skipped, running);
  }

  /** Source objects in the lookback window not yet split, loaded or failed, sorted; null for a foreign one. */
  private List<String> pendingObjects() {
    LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    Set<String> done = new HashSet<>();
    List<Blob> candidates = new ArrayList<>();
    for (LocalDate d = today.minusDays(lookbackDays); !d.isAfter(today.plusDays(1)); d = d.plusDays(1)) {
      String day = GcsLayout.dayPrefix(prefix, d);
      for (Blob b : storage.list(bucket, Storage.BlobListOption.prefix(day)).iterateAll()) {
        if (b.getName().endsWith(GcsLayout.SUFFIX)) {
          candidates.add(b);
        }
      }
      for (String kind : List.of("/routed/", "/loaded/", "/failed/")) {
        String markers = state + kind;
        for (Blob m : storage.list(bucket, Storage.BlobListOption.prefix(markers + day)).iterateAll()) {
          done.add(m.getName().substring(markers.length()));
        }
      }
    }
    List<String> pending = new ArrayList<>();
    int foreign = 0;
    for (Blob b : candidates) {
      if (done.contains(b.getName())) {
        continue;
      }
      Map<String, String> metadata = b.getMetadata();
      if (!EnvelopeRow.FORMAT_NAME.equals(metadata == null ? null : metadata.get(GcsFormat.METADATA_KEY))) {
        foreign++;
        continue;
      }
      pending.add(b.getName());
    }
    Collections.sort(pending);
    for (int i = 0; i < foreign; i++) {
      pending.add(null);
    }
    return pending;
  }

  /** Splits one object; false when it must wait for the next run. */
  private boolean split(String object) {
    List<Envelope> events;
    try {
      events = GcsObjects.read(storage, BlobId.of(bucket, object), EnvelopeRow.gcsFormat());
    } catch (IllegalArgumentException e) {
      LOG.warn("loader: object {} cannot be read as {}; marked failed", object, EnvelopeRow.FORMAT_NAME);
      marker("/failed/", object, Map.of("reason", "unreadable"));
      return false;
    }
    Map<String, ByteArrayOutputStream> lines = new LinkedHashMap<>();
    Map<String, Integer> counts = new LinkedHashMap<>();
    ByteArrayOutputStream dead = new ByteArrayOutputStream();
    Set<String> reasons = new LinkedHashSet<>();
    for (Envelope e : events) {
      Route r = tables.route(e);
      switch (r.kind()) {
        case TYPED:
          append(lines, counts, r.table().getTable(), Json.write(r.row()));
          break;
        case RAW:
          append(lines, counts, rawTable.getTable(), Json.write(EnvelopeRow.toJson(e)));
          break;
        case DEAD_LETTER:
          writeLine(dead, Json.write(EnvelopeRow.toJson(e)));
          reasons.add(r.reason());
          break;
        default:
          LOG.info("loader: object {} waits for the next run: {}", object, r.reason());
          return false;
      }
    }
    String relative = object.substring(prefix.isEmpty() ? 0 : prefix.length() + 1);
    for (Map.Entry<String, ByteArrayOutputStream> t : lines.entrySet()) {
      String format = t.getKey().equals(rawTable.getTable()) ? EnvelopeRow.FORMAT_NAME : TYPED_FORMAT;
      create(tableDirectory(t.getKey()) + "/" + relative, t.getValue().toByteArray(),
          Map.of(GcsFormat.METADATA_KEY, format, "eventkit-events", Integer.toString(counts.get(t.getKey()))));
    }
    if (dead.size() > 0) {
      String reason = String.join("; ", reasons);
      create(state + "/dead-letter/" + relative, dead.toByteArray(), Map.of(GcsFormat.METADATA_KEY,
          EnvelopeRow.FORMAT_NAME, "reason", reason.length() > 1000 ? reason.substring(0, 1000) : reason));
      LOG.warn("loader: {} event(s) of object {} cannot be loaded and were set aside in {}/dead-letter: {}",
          events.size() - counts.values().stream().mapToInt(Integer::intValue).sum(), object, state, reason);
    }
    marker("/routed/", object, Map.of("tables", String.join(",", lines.keySet())));
    return true;
  }

  private static void append(Map<String, ByteArrayOutputStream> lines, Map<String, Integer> counts, String table,
      String line) {
    writeLine(lines.computeIfAbsent(table, t -> new ByteArrayOutputStream()), line);
    counts.merge(table, 1, Integer::sum);
  }

  private static void writeLine(ByteArrayOutputStream out, String line) {
    byte[] b = line.getBytes(StandardCharsets.UTF_8);
    out.write(b, 0, b.length);
    out.write('\n');
  }

  private void create(String name, byte[] plain, Map<String, String> metadata) {
    BlobInfo info = BlobInfo.newBuilder(bucket, name).setContentType("application/x-ndjson")
        .setContentEncoding("gzip").setMetadata(metadata).build();
    try {
      storage.create(info, gzip(plain), Storage.BlobTargetOption.doesNotExist(),
          Storage.BlobTargetOption.disableGzipContent());
    } catch (StorageException e) {
      if (e.getCode() != 412) {
        throw e;
      }
      // Written by an earlier split of the same object that stopped before its marker.
    }
  }

  private void marker(String kind, String object, Map<String, String> metadata) {
    storage.create(BlobInfo.newBuilder(bucket, state + kind + object).setMetadata(metadata).build(), new byte[0]);
  }

  private static byte[] gzip(byte[] plain) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, plain.length / 4));
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(plain);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private String tableDirectory(String table) {
    return state + "/tables/" + table;
  }

  /** The tables that have split objects, from the folders under {@code S/tables/}. */
  private List<String> tableNames() {
    String root = state + "/tables/";
    List<String> out = new ArrayList<>();
    for (Blob b : storage.list(bucket, Storage.BlobListOption.prefix(root), Storage.BlobListOption.currentDirectory())
        .iterateAll()) {
      String name = b.getName();
      if (b.isDirectory() && name.endsWith("/")) {
        out.add(name.substring(root.length(), name.length() - 1));
      }
    }
    Collections.sort(out);
    return out;
  }

  private BigQueryLoader child(String table) {
    return children.computeIfAbsent(table, t -> {
      BigQueryLoader.Builder b = childLoader.apply(t).prefix(tableDirectory(t))
          .statePrefix(state + "/table-loads/" + t);
      if (!t.equals(rawTable.getTable())) {
        b.objectFormat(TYPED_FORMAT).ensureEventsTable(false);
      }
      return b.build();
    });
  }
}
