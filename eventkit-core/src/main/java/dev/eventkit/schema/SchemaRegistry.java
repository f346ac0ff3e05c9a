package dev.eventkit.schema;

import dev.eventkit.health.HealthCheck;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves schema URIs to compiled JSON Schemas through an ordered list of {@link SchemaSource}s, and caches the
 * outcome.
 *
 * <p>Resolution: the sources that serve the URI's vendor (a source with vendor prefixes serves only those vendors;
 * one without serves all) are asked in priority order (lower first, then the order they were added); the first
 * that holds the schema wins. The compiled schema is cached for the TTL; a miss is cached for the negative TTL, so
 * an event naming an unknown schema costs each remote source at most one request per negative TTL. When a refresh
 * finds no copy because a source failed, the cached copy is kept (stale) and retried after the negative TTL. One
 * lookup per URI runs at a time; concurrent callers wait for it. Unusable schemas (not JSON, unknown
 * {@code $schema}, rejected by the compiler, {@code self} naming another URI) are cached like found ones and make
 * events naming them invalid. The cache is bounded; when full, expired entries and misses are dropped first.
 *
 * <p>Thread-safe; build one per process with {@link #builder()}. No method throws for a malformed, unknown or
 * unreachable schema: those are outcomes, visible in {@link #health()} and in the validation of events.
 */
public final class SchemaRegistry {

  private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistry.class);

  private final List<RegisteredSource> sources;
  private final Duration ttl;
  private final Duration negativeTtl;
  private final int maxEntries;
  private final Clock clock;
  private final SchemaCompiler compiler;
  private final ConcurrentHashMap<SchemaUri, Resolution> cache = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<SchemaUri, Object> loading = new ConcurrentHashMap<>();

  private SchemaRegistry(Builder b) {
    List<RegisteredSource> list = new ArrayList<>(b.sources);
    list.sort(Comparator.comparingInt((RegisteredSource r) -> r.priority).thenComparingInt(r -> r.order));
    this.sources = List.copyOf(list);
    this.ttl = b.ttl;
    this.negativeTtl = b.negativeTtl;
    this.maxEntries = b.maxEntries;
    this.clock = b.clock;
    this.compiler = new SchemaCompiler(b.defaultDialect, this::referencedText);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Resolves a URI through the cache and, when needed, the sources. Never throws. */
  Resolution resolve(SchemaUri uri) {
    Resolution cached = cache.get(uri);
    if (cached != null && clock.instant().isBefore(cached.expiresAt())) {
      return cached;
    }
    Object lock = loading.computeIfAbsent(uri, k -> new Object());
    try {
      synchronized (lock) {
        cached = cache.get(uri);
        Instant now = clock.instant();
        if (cached != null && now.isBefore(cached.expiresAt())) {
          return cached;
        }
        Resolution fresh = load(uri, cached, now);
        cache.put(uri, fresh);
        if (cache.size() > maxEntries) {
          evict(now);
        }
        return fresh;
      }
    } finally {
      loading.remove(uri, lock);
    }
  }

  private Resolution load(SchemaUri uri, Resolution previous, Instant now) {
    List<String> failed = new ArrayList<>();
    for (RegisteredSource s : sources) {
      if (!s.serves(uri)) {
        continue;
      }
      Optional<String> text = s.fetch(uri, clock);
      if (text == null) {
        failed.add(s.source.name());
        continue;
      }
      if (text.isPresent()) {
        try {
          SchemaCompiler.Compiled c = compiler.compile(uri, text.get());
          return new Resolution(uri, Resolution.Status.FOUND, s.source.name(), text.get(), c.schema(), c.dialect(),
              null, now, now.plus(ttl), false);
        } catch (InvalidSchemaException e) {
          LOG.warn("schema {} from {} is unusable: {}", uri, s.source.name(), e.getMessage());
          return new Resolution(uri, Resolution.Status.INVALID, s.source.name(), text.get(), null, null,
              e.getMessage(), now, now.plus(ttl), false);
        }
      }
    }
    Instant retryAt = now.plus(negativeTtl);
    if (!failed.isEmpty()) {
      if (previous != null && previous.isHit()) {
        return previous.staleUntil(retryAt);
      }
      return new Resolution(uri, Resolution.Status.UNAVAILABLE, null, null, null, null,
          "no source holds it, and " + String.join(", ", failed) + " could not be reached", now, retryAt, false);
    }
    return new Resolution(uri, Resolution.Status.NOT_FOUND, null, null, null, null, "no source holds it", now,
        retryAt, false);
  }

  /** A referenced schema's text for the compiler: the cached copy, else straight from the sources. */
  private Optional<String> referencedText(SchemaUri uri) {
    Resolution cached = cache.get(uri);
    if (cached != null && cached.isHit()) {
      return Optional.of(cached.text());
    }
    for (RegisteredSource s : sources) {
      if (s.serves(uri)) {
        Optional<String> text = s.fetch(uri, clock);
        if (text != null && text.isPresent()) {
          return text;
        }
      }
    }
    return Optional.empty();
  }

  private void evict(Instant now) {
    cache.entrySet().removeIf(e -> !now.isBefore(e.getValue().expiresAt()) && !e.getValue().isHit());
    if (cache.size() > maxEntries) {
      cache.entrySet().removeIf(e -> !e.getValue().isHit());
    }
    if (cache.size() > maxEntries) {
      List<Resolution> all = new ArrayList<>(cache.values());
      all.sort(Comparator.comparing(Resolution::loadedAt));
      for (int i = 0; i < all.size() - maxEntries * 9 / 10; i++) {
        cache.remove(all.get(i).uri(), all.get(i));
      }
    }
  }

  /** Each source's state and what the cache holds. */
  public SchemaRegistryHealth health() {
    Map<String, Integer> perSource = new TreeMap<>();
    int hits = 0;
    int misses = 0;
    for (Resolution r : cache.values()) {
      if (r.isHit()) {
        hits++;
        perSource.merge(r.source(), 1, Integer::sum);
      } else {
        misses++;
      }
    }
    List<SourceHealth> out = new ArrayList<>(sources.size());
    for (RegisteredSource s : sources) {
      out.add(s.health(perSource.getOrDefault(s.source.name(), 0)));
    }
    return new SchemaRegistryHealth(out, hits, misses);
  }

  /**
   * What the registry holds: every cached schema (fresh, stale or unusable) and every schema that an enumerable
   * source lists, sorted by URI. A URI held in the cache is reported as cached, with the source it came from.
   * Sources that fail to enumerate are skipped. May touch the file system; meant for humans, not the event path.
   */
  public List<SchemaInfo> schemas() {
    Map<SchemaUri, SchemaInfo> out = new TreeMap<>();
    for (RegisteredSource s : sources) {
      List<SchemaUri> listed;
      try {
        listed = s.source.list();
      } catch (IOException | RuntimeException e) {
        continue;
      }
      for (SchemaUri uri : listed) {
        out.putIfAbsent(uri, new SchemaInfo(uri.toString(), s.source.name(), SchemaInfo.State.AVAILABLE, null,
            null, null));
      }
    }
    for (Resolution r : cache.values()) {
      if (r.isHit()) {
        out.put(r.uri(), info(r));
      }
    }
    return List.copyOf(out.values());
  }

  /** This registry as a component of a collector's {@code /health}: unhealthy while a source is down. */
  public HealthCheck healthCheck() {
    return () -> {
      SchemaRegistryHealth h = health();
      return new HealthCheck.Result(h.healthy(), h.toJson());
    };
  }

  /** Looks one schema up as an event naming it would: fetched from the sources and cached the same way. */
  public SchemaLookup lookup(SchemaUri uri) {
    Resolution r = resolve(Objects.requireNonNull(uri, "uri"));
    switch (r.status()) {
      case NOT_FOUND:
        return new SchemaLookup(uri, SchemaLookup.Outcome.NOT_FOUND, null, null, null, null);
      case UNAVAILABLE:
        return new SchemaLookup(uri, SchemaLookup.Outcome.UNAVAILABLE, null, null, r.problem(), r.expiresAt());
      default:
        return new SchemaLookup(uri, SchemaLookup.Outcome.FOUND, info(r), r.text(), null, null);
    }
  }

  static SchemaInfo info(Resolution r) {
    SchemaInfo.State state = r.status() == Resolution.Status.INVALID ? SchemaInfo.State.INVALID
        : r.stale() ? SchemaInfo.State.STALE : SchemaInfo.State.CACHED;
    return new SchemaInfo(r.uri().toString(), r.source(), state, r.dialect(), r.loadedAt(), r.problem());
  }

  /** Forgets every cached schema and miss; the next lookups go to the sources. */
  public void clearCache() {
    cache.clear();
  }

  /** A source with its routing and its health, which it updates as it is used. Thread-safe. */
  private static final class RegisteredSource {
    final SchemaSource source;
    final int priority;
    final List<String> vendorPrefixes;
    final int order;
    private volatile Instant lastSuccess;
    private volatile Instant lastFailure;
    private volatile String lastError;
    private volatile boolean up = true;

    RegisteredSource(SchemaSource source, int priority, List<String> vendorPrefixes, int order) {
      this.source = source;
      this.priority = priority;
      this.vendorPrefixes = vendorPrefixes;
      this.order = order;
    }

    boolean serves(SchemaUri uri) {
      if (vendorPrefixes.isEmpty()) {
        return true;
      }
      for (String p : vendorPrefixes) {
        if (uri.vendorMatches(p)) {
          return true;
        }
      }
      return false;
    }

    /** The source's answer, or null when it failed (recorded in its health). */
    Optional<String> fetch(SchemaUri uri, Clock clock) {
      try {
        Optional<String> text = Objects.requireNonNull(source.fetch(uri), "a schema source returned null");
        if (!up) {
          LOG.info("schema source {} answers again", source.name());
        }
        lastSuccess = clock.instant();
        up = true;
        return text;
      } catch (IOException | RuntimeException e) {
        boolean wasUp = up;
        lastError = describe(e);
        lastFailure = clock.instant();
        up = false;
        if (wasUp) {
          LOG.warn("schema source {} failed, serving cached schemas: {}", source.name(), lastError);
        }
        return null;
      }
    }

    private static String describe(Exception e) {
      String m = e.getMessage();
      String name = e.getClass().getSimpleName();
      return m == null || m.isBlank() ? name : name + ": " + SchemaUri.abbreviate(m);
    }

    SourceHealth health(int cached) {
      Instant f = lastFailure;
      return new SourceHealth(source.name(), priority, vendorPrefixes, up, lastSuccess, f,
          f == null ? null : lastError, cached);
    }
  }

  /**
   * Configures a {@link SchemaRegistry}; not thread-safe. Defaults: schemas cached for 10 minutes, misses for 1
   * minute, at most 10,000 cache entries, schemas without {@code $schema} read as draft 2020-12.
   * {@link #build()} throws {@link IllegalStateException} without a source and {@link IllegalArgumentException}
   * for non-positive durations or limits, or two sources of the same name.
   */
  public static final class Builder {
    private final List<RegisteredSource> sources = new ArrayList<>();
    private Duration ttl = Duration.ofMinutes(10);
    private Duration negativeTtl = Duration.ofMinutes(1);
    private int maxEntries = 10_000;
    private SchemaDialect defaultDialect = SchemaDialect.DRAFT_2020_12;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** Adds a source with priority 0, serving every vendor; sources of equal priority are asked in this order. */
    public Builder source(SchemaSource source) {
      return source(source, 0);
    }

    /**
     * Adds a source with a priority (lower is asked first) serving only the given vendors and their sub-vendors
     * ({@code com.acme} covers {@code com.acme.web}); no prefixes means every vendor.
     */
    public Builder source(SchemaSource source, int priority, String... vendorPrefixes) {
      Objects.requireNonNull(source, "source");
      for (String p : vendorPrefixes) {
        if (p == null || p.isBlank()) {
          throw new IllegalArgumentException("a vendor prefix is a non-blank string");
        }
      }
      sources.add(new RegisteredSource(source, priority, List.copyOf(Arrays.asList(vendorPrefixes)),
          sources.size()));
      return this;
    }

    /** How long a fetched schema is used before it is fetched again. */
    public Builder cacheTtl(Duration ttl) {
      this.ttl = Objects.requireNonNull(ttl, "cacheTtl");
      return this;
    }

    /** How long a miss (or a failed refresh) is remembered before the sources are asked again. */
    public Builder negativeCacheTtl(Duration ttl) {
      this.negativeTtl = Objects.requireNonNull(ttl, "negativeCacheTtl");
      return this;
    }

    /** The most cache entries (schemas and misses) kept. */
    public Builder maxCacheEntries(int max) {
      this.maxEntries = max;
      return this;
    }

    /** The draft of schemas that declare no {@code $schema}. */
    public Builder defaultDialect(SchemaDialect dialect) {
      this.defaultDialect = Objects.requireNonNull(dialect, "defaultDialect");
      return this;
    }

    /** The clock that TTLs are measured with. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    public SchemaRegistry build() {
      if (sources.isEmpty()) {
        throw new IllegalStateException("a schema registry needs at least one source, such as "
            + "ClasspathSchemaSource.create() or DirectorySchemaSource.of(path)");
      }
      if (ttl.isNegative() || ttl.isZero() || negativeTtl.isNegative() || negativeTtl.isZero()) {
        throw new IllegalArgumentException("cacheTtl and negativeCacheTtl must be positive");
      }
      if (maxEntries < 1) {
        throw new IllegalArgumentException("maxCacheEntries must be positive");
      }
      java.util.Set<String> names = new java.util.HashSet<>();
      for (RegisteredSource s : sources) {
        if (!names.add(s.source.name())) {
          throw new IllegalArgumentException("two schema sources are named '" + s.source.name() + "'");
        }
      }
      return new SchemaRegistry(this);
    }
  }
}
