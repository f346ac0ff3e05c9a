package dev.eventkit.spring.boot;

import dev.eventkit.buffer.Durability;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The {@code eventkit.*} settings from which {@link EventkitAutoConfiguration} builds the pipeline, the collector
 * and its servlet. Every setting has a default, so an application needs none of them.
 *
 * <p>Mutable, as Spring's binding requires; read once at start-up, not thread-safe.
 */
@ConfigurationProperties(prefix = "eventkit")
public class EventkitProperties {

  /** Whether eventkit is configured at all. */
  private boolean enabled = true;

  /** Directory of the write-ahead log (wal.db) and the file sinks' output. */
  private Path dataDir = Path.of("eventkit-data");

  /**
   * How the log commits: NORMAL survives a process crash, FULL also a power loss (an fsync per commit group).
   */
  private Durability durability = Durability.NORMAL;

  /**
   * Path below which the collector is served in the application's servlet container; its routes become
   * {base-path}/collect, {base-path}/v1/track, {base-path}/health, ...
   */
  private String basePath = "/eventkit";

  /** Largest request body accepted; a larger one is answered 413. */
  private DataSize maxBody = DataSize.ofMegabytes(1);

  /** How long shutdown waits for deliveries to drain (and then again for the sinks to close). */
  private Duration shutdownTimeout = Duration.ofSeconds(10);

  private final Capacity capacity = new Capacity();
  private final Retention retention = new Retention();
  private final Inputs inputs = new Inputs();
  private final Schemas schemas = new Schemas();
  private final FileSinks fileSinks = new FileSinks();
  private final Retry retry = new Retry();

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public Path getDataDir() {
    return dataDir;
  }

  public void setDataDir(Path dataDir) {
    this.dataDir = dataDir;
  }

  public Durability getDurability() {
    return durability;
  }

  public void setDurability(Durability durability) {
    this.durability = durability;
  }

  public String getBasePath() {
    return basePath;
  }

  public void setBasePath(String basePath) {
    this.basePath = basePath;
  }

  public DataSize getMaxBody() {
    return maxBody;
  }

  public void setMaxBody(DataSize maxBody) {
    this.maxBody = maxBody;
  }

  public Duration getShutdownTimeout() {
    return shutdownTimeout;
  }

  public void setShutdownTimeout(Duration shutdownTimeout) {
    this.shutdownTimeout = shutdownTimeout;
  }

  public Capacity getCapacity() {
    return capacity;
  }

  public Retention getRetention() {
    return retention;
  }

  public Inputs getInputs() {
    return inputs;
  }

  public Schemas getSchemas() {
    return schemas;
  }

  public FileSinks getFileSinks() {
    return fileSinks;
  }

  public Retry getRetry() {
    return retry;
  }

  /** The log's budget for events not yet delivered everywhere; beyond it intake answers 503. */
  public static class Capacity {
    /** Undelivered events the log may hold; 0 for no limit. */
    private long events;
    /** Encoded bytes of undelivered events the log may hold; 0 for no limit. */
    private DataSize bytes = DataSize.ofBytes(0);

    public long getEvents() {
      return events;
    }

    public void setEvents(long events) {
      this.events = events;
    }

    public DataSize getBytes() {
      return bytes;
    }

    public void setBytes(DataSize bytes) {
      this.bytes = bytes;
    }
  }

  /** What the log keeps of events every sink has consumed. */
  public static class Retention {
    /** Consumed events kept, newest first. */
    private long maxEvents = 100_000;
    /** Consumed events older than this are deleted. */
    private Duration maxAge = Duration.ofHours(24);

    public long getMaxEvents() {
      return maxEvents;
    }

    public void setMaxEvents(long maxEvents) {
      this.maxEvents = maxEvents;
    }

    public Duration getMaxAge() {
      return maxAge;
    }

    public void setMaxAge(Duration maxAge) {
      this.maxAge = maxAge;
    }
  }

  /** Which inputs the collector serves. */
  public static class Inputs {
    /** Segment: POST /collect and Segment's /v1/* API. */
    private boolean segment = true;
    /** Self-describing JSON: POST /sd. */
    private boolean selfDescribing = true;
    /** CloudEvents over HTTP: POST /cloudevents. */
    private boolean cloudEvents;
    /** Tracking pixel: GET /pixel/{event}. */
    private boolean pixel;
    /** Generic webhooks: POST /webhook/{source}. */
    private boolean webhook;
    /** Snowplow's tracker protocol (tp2, /i); only when eventkit-snowplow is on the class path. */
    private boolean snowplow = true;

    public boolean isSegment() {
      return segment;
    }

    public void setSegment(boolean segment) {
      this.segment = segment;
    }

    public boolean isSelfDescribing() {
      return selfDescribing;
    }

    public void setSelfDescribing(boolean selfDescribing) {
      this.selfDescribing = selfDescribing;
    }

    public boolean isCloudEvents() {
      return cloudEvents;
    }

    public void setCloudEvents(boolean cloudEvents) {
      this.cloudEvents = cloudEvents;
    }

    public boolean isPixel() {
      return pixel;
    }

    public void setPixel(boolean pixel) {
      this.pixel = pixel;
    }

    public boolean isWebhook() {
      return webhook;
    }

    public void setWebhook(boolean webhook) {
      this.webhook = webhook;
    }

    public boolean isSnowplow() {
      return snowplow;
    }

    public void setSnowplow(boolean snowplow) {
      this.snowplow = snowplow;
    }
  }

  /** Where JSON Schemas for validation come from, besides the class path's schemas/ directory. */
  public static class Schemas {
    /** A directory of schemas laid out as vendor/name/format/version. */
    private Path directory;
    /** Base URL of an Iglu schema server. */
    private String igluUrl;

    public Path getDirectory() {
      return directory;
    }

    public void setDirectory(Path directory) {
      this.directory = directory;
    }

    public String getIgluUrl() {
      return igluUrl;
    }

    public void setIgluUrl(String igluUrl) {
      this.igluUrl = igluUrl;
    }
  }

  /**
   * The default NDJSON file sinks below the data directory: events/, invalid/ (events that failed validation) and
   * dead/ (dead letters).
   */
  public static class FileSinks {
    /** Whether valid events are written to {data-dir}/events. */
    private boolean enabled = true;
    /** Whether invalid events and dead letters are written to {data-dir}/invalid and {data-dir}/dead. */
    private boolean errorsEnabled = true;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public boolean isErrorsEnabled() {
      return errorsEnabled;
    }

    public void setErrorsEnabled(boolean errorsEnabled) {
      this.errorsEnabled = errorsEnabled;
    }
  }

  /** How each sink retries a failed delivery: exponential backoff with full jitter. */
  public static class Retry {
    /** Delay before the first retry. */
    private Duration initialDelay = Duration.ofMillis(100);
    /** Longest delay between retries. */
    private Duration maxDelay = Duration.ofSeconds(30);
    /** Attempts before an event goes to the dead-letter sink; 0 for no limit. */
    private int maxAttempts;

    public Duration getInitialDelay() {
      return initialDelay;
    }

    public void setInitialDelay(Duration initialDelay) {
      this.initialDelay = initialDelay;
    }

    public Duration getMaxDelay() {
      return maxDelay;
    }

    public void setMaxDelay(Duration maxDelay) {
      this.maxDelay = maxDelay;
    }

    public int getMaxAttempts() {
      return maxAttempts;
    }

    public void setMaxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
    }
  }
}
