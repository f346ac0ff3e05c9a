package dev.eventkit.examples;

import com.sun.net.httpserver.HttpServer;
import dev.eventkit.Pipeline;
import dev.eventkit.PipelineBuilder;
import dev.eventkit.buffer.Durability;
import dev.eventkit.buffer.RetentionPolicy;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.delivery.AsyncQueue;
import dev.eventkit.delivery.Queue;
import dev.eventkit.gcp.bigquery.BigQueryLoader;
import dev.eventkit.gcp.bigquery.EnvelopeRow;
import dev.eventkit.gcp.firestore.FirestoreSink;
import dev.eventkit.gcp.gcs.GcsSink;
import dev.eventkit.gcp.pubsub.PubSubQueue;
import dev.eventkit.http.Collector;
import dev.eventkit.http.JdkHttpHandler;
import dev.eventkit.http.SchemasEndpoint;
import dev.eventkit.input.cloudevents.CloudEventsInput;
import dev.eventkit.input.pixel.PixelInput;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.input.selfdescribing.SelfDescribingInput;
import dev.eventkit.input.webhook.WebhookInput;
import dev.eventkit.kafka.KafkaQueue;
import dev.eventkit.micrometer.MicrometerMetrics;
import dev.eventkit.micrometer.PipelineMeterBinder;
import dev.eventkit.micrometer.PrometheusEndpoint;
import dev.eventkit.netty.NettyHost;
import dev.eventkit.schema.ClasspathSchemaSource;
import dev.eventkit.schema.DirectorySchemaSource;
import dev.eventkit.schema.HttpSchemaSource;
import dev.eventkit.schema.SchemaRegistry;
import dev.eventkit.schema.SchemaValidator;
import dev.eventkit.sink.FileSink;
import dev.eventkit.sink.Sink;
import dev.eventkit.snowplow.NetworkUserIdCookie;
import dev.eventkit.snowplow.SnowplowInput;
import dev.eventkit.snowplow.SnowplowSchemas;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A runnable collector on the Netty host ({@code EVENTKIT_HTTP_HOST=netty}, the default) or the JDK's built-in
 * HTTP server ({@code jdk}), serving every input (Segment, Snowplow, self-describing,
 * CloudEvents, webhooks, pixels), on embedded defaults: the SQLite write-ahead log and
 * NDJSON file sinks under {@code EVENTKIT_DATA_DIR} ({@code events/}, {@code invalid/}, {@code dead-letter/}).
 * The Python collector's Google Cloud modes are one variable away (see {@link GcpConfig}): events to Cloud Storage
 * (loaded into BigQuery) or Firestore, and the log published to Pub/Sub for workers on other hosts.
 * Configured by a YAML file and environment variables (see {@link CollectorConfig}, {@link ConfigKeys}), run from
 * the command line of {@link CollectorCommand}; stops cleanly on SIGTERM/Ctrl-C, leaving
 * undelivered events in the log for the next start.
 *
 * <p>Thread-safe; {@link #start} once, {@link #close} once.
 */
public final class CollectorServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CollectorServer.class);

  private final Pipeline pipeline;
  /** The Netty host, or null on the JDK server. */
  private final NettyHost netty;
  /** The JDK server, or null on the Netty host. */
  private final HttpServer server;
  /** The JDK server's request threads, or the Netty host's when validation may block; may be null. */
  private final ExecutorService requestThreads;
  private final BigQueryLoader loader;

  private CollectorServer(Pipeline pipeline, NettyHost netty, HttpServer server, ExecutorService requestThreads,
      BigQueryLoader loader) {
    this.pipeline = pipeline;
    this.netty = netty;
    this.server = server;
    this.requestThreads = requestThreads;
    this.loader = loader;
  }

  /** Builds the pipeline from the configuration, starts it, and starts serving, with the tools it configures. */
  public static CollectorServer start(CollectorConfig config) throws IOException {
    return start(config, config.tools());
  }

  /**
   * Builds the pipeline from the configuration, starts it, and starts serving, with the test page, API
   * documentation and echo routes as {@code tools} says.
   */
  public static CollectorServer start(CollectorConfig config, ToolsConfig tools) throws IOException {
    SchemaRegistry registry = registry(config);
    RecentEnvelopes recent = recentEnvelopes(tools);
    PrometheusMeterRegistry meters = config.metricsPath() == null ? null
        : warmedUp(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    Pipeline pipeline = pipeline(config, registry, meters, recent).start();
    if (meters != null) {
      new PipelineMeterBinder(pipeline).bindTo(meters);
    }
    Collector collector = collector(config, pipeline, registry, meters, tools, recent);
    exposureWarnings(config).forEach(w -> LOG.warn("{}", w));
    NettyHost netty = null;
    HttpServer server = null;
    ExecutorService threads = null;
    int port;
    if (config.httpHost().equals("jdk")) {
      server = JdkHttpHandler.serve(collector, new InetSocketAddress(config.host(), config.port()), 256);
      // Handlers block while the log commits, so the pool is sized for waiting, not for CPU.
      threads = requestThreads(64);
      server.setExecutor(threads);
      server.start();
      port = server.getAddress().getPort();
    } else {
      NettyHost.Builder b = NettyHost.builder(collector).port(config.port()).bindAddress(config.host())
          .shutdownGrace(Duration.ofSeconds(5));
      if (config.igluUrl() != null) {
        // Validation may fetch a schema from the Iglu server: keep that off the event loops.
        threads = requestThreads(16);
        b.requestExecutor(threads);
      }
      try {
        netty = b.build().start();
      } catch (IOException e) {
        pipeline.close();
        if (threads != null) {
          threads.shutdown();
        }
        throw e;
      }
      port = netty.port();
    }
    LOG.info("eventkit collector listening on {}:{} ({} host), data in {}", config.host(), port,
        config.httpHost(), config.dataDirectory().toAbsolutePath());
    BigQueryLoader loader = warehouseLoader(config, registry);
    if (loader != null) {
      loader.start();
    }
    return new CollectorServer(pipeline, netty, server, threads, loader);
  }

  /**
   * Loads what a first request would otherwise wait for (the counters', the timer's and the scrape's classes, a
   * second or more on a busy machine) and leaves the registry empty again.
   */
  private static PrometheusMeterRegistry warmedUp(PrometheusMeterRegistry meters) {
    MicrometerMetrics metrics = new MicrometerMetrics(meters);
    metrics.accepted("warm-up", 1);
    metrics.delivered("warm-up", 1);
    metrics.request("GET", "/", 200, 1);
    meters.scrape();
    meters.clear();
    return meters;
  }

  private static ExecutorService requestThreads(int n) {
    return Executors.newFixedThreadPool(n, r -> {
      Thread t = new Thread(r, "eventkit-http");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Schemas from the class path ({@code schemas/}), the schema directory, and an Iglu server when one is
   * configured. Unknown schemas are not refused: their events are accepted and routed to the invalid sink.
   */
  static SchemaRegistry registry(CollectorConfig config) {
    SchemaRegistry.Builder b = SchemaRegistry.builder()
        .source(ClasspathSchemaSource.create(), 0)
        .source(SnowplowSchemas.source(), 5)
        .source(DirectorySchemaSource.of(config.schemaDirectory()), 10);
    if (config.igluUrl() != null) {
      b.source(HttpSchemaSource.of(config.igluUrl()), 20);
    }
    return b.build();
  }

  /** The example's collector without the metrics route. */
  static Collector collector(CollectorConfig config, Pipeline pipeline, SchemaRegistry registry) {
    return collector(config, pipeline, registry, null, config.tools(), null);
  }

  /**
   * The example's collector: the enabled inputs and the routes of {@link #mountRoutes}, with the configured limits
   * and protections, and the schema registry's health under {@code /health}; the tools {@code tools} turns on, and
   * {@code recent} feeding the test page (null: the page shows nothing arriving).
   */
  static Collector collector(CollectorConfig config, Pipeline pipeline, SchemaRegistry registry,
      PrometheusMeterRegistry meters, ToolsConfig tools, RecentEnvelopes recent) {
    Collector.Builder builder = Collector.builder(pipeline)
        .maxBodyBytes(config.maxBodyBytes())
        .healthCheck("schemas", registry.healthCheck());
    mountRoutes(builder, config, registry, meters);
    withTools(builder, config, tools, recent, meters != null);
    return config.security().apply(builder).build();
  }

  /**
   * The routes for people and tools rather than trackers, each only when {@code tools} turns it on: the OpenAPI
   * document (with the metrics route when {@code metricsServed}) and Swagger UI, the test page (with {@code recent}, the envelopes it shows), the echo routes.
   */
  static Collector.Builder withTools(Collector.Builder builder, CollectorConfig config, ToolsConfig tools,
      RecentEnvelopes recent, boolean metricsServed) {
    if (tools.apiDocs()) {
      builder.endpoint(ApiDocsEndpoint.create(config, metricsServed));
    }
    if (tools.testPage() != ToolsConfig.TestPage.OFF) {
      if (!TestPageEndpoint.trackerBundled()) {
        LOG.warn("the test page has no Snowplow tracker: this build could not bundle it (run "
            + "eventkit-examples/src/main/tracker/install.sh, then build again)");
      }
      if (tools.testPage() == ToolsConfig.TestPage.ANY) {
        LOG.warn("the test page is served to every client (EVENTKIT_TEST_PAGE=any): anyone who reaches the port "
            + "sees the latest events");
      }
      builder.endpoint(new TestPageEndpoint(recent != null ? recent : recentEnvelopes(tools),
          tools.testPage() == ToolsConfig.TestPage.ANY));
    }
    if (tools.debugEcho()) {
      LOG.warn("echo routes are on under {} (EVENTKIT_DEBUG_ECHO=on): for development only", ToolsConfig.ECHO_PREFIX);
      builder.echo(ToolsConfig.ECHO_PREFIX);
    }
    return builder;
  }

  /** What the test page shows: the latest envelopes delivered, or null (nothing recorded) when it is off. */
  static RecentEnvelopes recentEnvelopes(ToolsConfig tools) {
    return tools.testPage() == ToolsConfig.TestPage.OFF ? null : new RecentEnvelopes(200, java.time.Clock.systemUTC());
  }

  /**
   * Every route the collector serves, in one place: the enabled inputs (Segment, self-describing, CloudEvents,
   * webhooks, pixels, Snowplow), the schema pages, and the Prometheus scrape at {@code metrics.path}.
   * ({@code /health} is the collector's own.)
   */
  private static void mountRoutes(Collector.Builder builder, CollectorConfig config, SchemaRegistry registry,
      PrometheusMeterRegistry meters) {
    java.util.Set<String> inputs = config.inputs();
    if (inputs.contains("segment")) {
      builder.input(SegmentInput.builder().collectPath(config.segmentCollectPath()).build());
    }
    if (inputs.contains("selfdescribing")) {
      builder.input(SelfDescribingInput.create());
    }
    if (inputs.contains("cloudevents")) {
      builder.input(CloudEventsInput.create());
    }
    if (inputs.contains("webhook")) {
      builder.input(WebhookInput.create());
    }
    if (inputs.contains("pixel")) {
      PixelInput.Builder pixels = PixelInput.builder();
      config.pixelRedirectHosts().forEach(pixels::allowRedirectHost);
      builder.input(pixels.build());
    }
    if (inputs.contains("snowplow")) {
      builder.input(SnowplowInput.builder().cookie(cookie(config.snowplowCookie())).build());
    }
    builder.endpoint(SchemasEndpoint.create(registry));
    if (meters != null) {
      builder.endpoint(new PrometheusEndpoint(meters, config.metricsPath()));
    }
  }

  /**
   * Says loudly what an operator exposes: no write key while listening beyond loopback (anyone who reaches the
   * port can write events), open endpoints there, and the configuration's own warnings. Never names a key.
   */
  static List<String> exposureWarnings(CollectorConfig config) {
    SecurityConfig security = config.security();
    List<String> out = new ArrayList<>();
    out.addAll(config.warnings());
    if (security.writeKeys() == null && !isLoopback(config.host())) {
      out.add("*** eventkit is listening on " + config.host() + " without write keys: anyone who can reach this "
          + "port can send events. Set security.write_keys (EVENTKIT_WRITE_KEYS, or EVENTKIT_WRITE_KEYS_FILE) "
          + "before exposing it, or server.host 127.0.0.1 (EVENTKIT_HOST) for local use. ***");
    }
    if (security.adminKeys() == null && !isLoopback(config.host())) {
      out.add("/health, /schemas and the metrics are open to anyone who can reach " + config.host()
          + "; set security.admin_key (EVENTKIT_ADMIN_KEY) to require a key");
    }
    security.warnings().forEach(w -> out.add(config.source().describe(w)));
    return out;
  }

  private static boolean isLoopback(String host) {
    try {
      return java.net.InetAddress.getByName(host).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  /**
   * The example's pipeline: SQLite log; validation against the registry; NDJSON file sinks for valid, invalid and
   * dead-lettered events.
   */
  static Pipeline pipeline(CollectorConfig config, SchemaRegistry registry) {
    return pipeline(config, registry, null, null);
  }

  /**
   * The example's pipeline, with its metrics in {@code meters} (may be null) and {@code recent} (may be null)
   * recording what the sinks deliver.
   */
  static Pipeline pipeline(CollectorConfig config, SchemaRegistry registry, PrometheusMeterRegistry meters,
      RecentEnvelopes recent) {
    SqliteRingBuffer log = SqliteRingBuffer.builder(config.ringBufferPath())
        .durability(config.durabilityFull() ? Durability.FULL : Durability.NORMAL)
        .retention(RetentionPolicy.builder()
            .maxRetainedEvents(config.ringBufferMaxSize())
            .maxAge(config.ringBufferRetention())
            .capacityBytes(config.capacityBytes())
            .capacityEvents(config.capacityEvents())
            .cleanupInterval(config.cleanupInterval())
            .build())
        .build();
    PipelineBuilder builder = Pipeline.builder()
        .ringBuffer(log)
        .queue(queue(config))
        .validator(SchemaValidator.create(registry));
    if (meters != null) {
      builder.metrics(new MicrometerMetrics(meters));
    }
    if (config.sinkBatchSize() > 0) {
      builder.batchSize(config.sinkBatchSize());
    }
    if (config.deliversHere()) {
      Sink events = eventStore(config);
      Sink invalid = FileSink.builder(config.dataDirectory().resolve("invalid")).name("invalid").prefix("invalid")
          .build();
      builder.sink(recent == null ? events : recent.tap(events))
          .invalidSink(recent == null ? invalid : recent.tap(invalid))
          .deadLetterSink(FileSink.builder(config.dataDirectory().resolve("dead-letter")).name("dead-letter")
              .prefix("dead-letter").build());
    }
    return builder.build();
  }

  /**
   * {@code queue.mode}: in-process delivery, or the log published to Pub/Sub or Kafka for workers anywhere.
   */
  private static Queue queue(CollectorConfig config) {
    GcpConfig gcp = config.gcp();
    if (gcp.queueMode().equals("kafka")) {
      return kafkaQueue(config);
    }
    if (!gcp.queueMode().equals("pubsub")) {
      return AsyncQueue.builder().workers(config.asyncWorkers()).build();
    }
    PubSubQueue.Builder b = PubSubQueue.builder(gcp.projectId())
        .role(PubSubQueue.Role.valueOf(gcp.pubsubRole().toUpperCase(java.util.Locale.ROOT)))
        .topic(gcp.pubsubTopic()).subscription(gcp.pubsubSubscription()).workers(gcp.pubsubWorkers());
    if (gcp.pubsubEmulator() != null) {
      b.emulatorHost(gcp.pubsubEmulator());
    }
    if (gcp.pubsubCreateIfMissing() != null) {
      b.createIfMissing(gcp.pubsubCreateIfMissing());
    }
    if (config.publishBatchSize() > 0) {
      b.publishBatchSize(config.publishBatchSize());
    }
    return b.build();
  }

  /** {@code queue.mode: kafka}: the log published to a Kafka topic, consumed by a group of workers. */
  private static Queue kafkaQueue(CollectorConfig config) {
    KafkaConfig kafka = config.kafka();
    KafkaQueue.Builder b = KafkaQueue.builder(kafka.bootstrapServers())
        .role(KafkaQueue.Role.valueOf(kafka.role().toUpperCase(java.util.Locale.ROOT)))
        .topic(kafka.topic()).groupId(kafka.group()).workers(kafka.workers());
    if (config.publishBatchSize() > 0) {
      b.publishBatchSize(config.publishBatchSize());
    }
    return b.build();
  }

  /** {@code EVENTKIT_EVENT_STORE}: where valid events are delivered. */
  private static Sink eventStore(CollectorConfig config) {
    GcpConfig gcp = config.gcp();
    switch (gcp.eventStore()) {
      case "gcs": {
        GcsSink.Builder b = GcsSink.builder(gcp.bucket()).name("gcs").projectId(gcp.projectId());
        if (config.sinkBatchSize() > 0) {
          b.maxBufferedEvents(config.sinkBatchSize());
        }
        if (config.flushInterval() != null) {
          b.linger(config.flushInterval());
        }
        if (gcp.storageEmulator() != null) {
          b.emulatorHost(gcp.storageEmulator());
        }
        if (gcp.gcsLocation() != null) {
          b.bucketLocation(gcp.gcsLocation());
        }
        if (gcp.warehouseEnabled()) {
          b.format(EnvelopeRow.gcsFormat());
        }
        return b.build();
      }
      case "firestore": {
        FirestoreSink.Builder b = FirestoreSink.builder(gcp.projectId()).name("firestore");
        if (gcp.firestoreEmulator() != null) {
          b.emulatorHost(gcp.firestoreEmulator());
        }
        return b.build();
      }
      default:
        return FileSink.builder(config.dataDirectory().resolve("events")).name("file").build();
    }
  }

  /**
   * The GCS → BigQuery loader, when the gcs store runs with the warehouse on; null otherwise. With
   * {@code EVENTKIT_WAREHOUSE_SPLIT_BY_SCHEMA} (default true) it splits events into a typed table per schema.
   */
  static BigQueryLoader warehouseLoader(CollectorConfig config, SchemaRegistry registry) {
    GcpConfig gcp = config.gcp();
    if (!gcp.warehouseEnabled() || !config.deliversHere()) {
      return null;
    }
    BigQueryLoader.Builder b = BigQueryLoader.builder(gcp.bucket(), gcp.dataset(), gcp.table())
        .projectId(gcp.projectId()).interval(gcp.warehouseInterval());
    if (gcp.storageEmulator() != null) {
      b.storageEmulatorHost(gcp.storageEmulator());
    }
    if (gcp.bigqueryEmulator() != null) {
      b.emulatorHost(gcp.bigqueryEmulator());
    }
    if (gcp.bigqueryLocation() != null) {
      b.location(gcp.bigqueryLocation());
    }
    // Typed tables per schema, typed from the same registry that validates.
    b.schemas(registry).splitBySchema(gcp.warehouseSplitBySchema());
    return b.build();
  }

  /** The network user id cookie: {@code lax} for plain-http development, {@code secure} behind TLS, or off. */
  private static NetworkUserIdCookie cookie(String mode) {
    switch (mode) {
      case "off":
        return NetworkUserIdCookie.disabled();
      case "secure":
        return NetworkUserIdCookie.defaults();
      default:
        return NetworkUserIdCookie.builder().sameSite(NetworkUserIdCookie.SameSite.LAX).secure(false).build();
    }
  }

  /** The port the server listens on. */
  public int port() {
    return netty != null ? netty.port() : server.getAddress().getPort();
  }

  public Pipeline pipeline() {
    return pipeline;
  }

  /**
   * Stops accepting connections and answers the requests already read, then closes the pipeline (draining
   * deliveries within its timeout).
   */
  @Override
  public void close() {
    if (netty != null) {
      netty.close();
    } else {
      server.stop(1);
    }
    if (requestThreads != null) {
      requestThreads.shutdown();
      try {
        requestThreads.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    pipeline.close();
    if (loader != null) {
      loader.close();
    }
  }

  /** Runs the command line (see {@link CollectorCommand}); exits with its code unless a server was started. */
  public static void main(String[] args) {
    CollectorCommand.Outcome outcome = CollectorCommand.run(args, Map.copyOf(System.getenv()), System.out,
        System.err);
    if (outcome.server() == null) {
      System.exit(outcome.exitCode());
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(outcome.server()::close, "eventkit-shutdown"));
  }
}
