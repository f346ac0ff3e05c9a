package dev.eventkit.spring.boot;

import dev.eventkit.EventInterceptor;
import dev.eventkit.Pipeline;
import dev.eventkit.PipelineBuilder;
import dev.eventkit.buffer.RetentionPolicy;
import dev.eventkit.buffer.RingBuffer;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.delivery.RetryPolicy;
import dev.eventkit.http.Collector;
import dev.eventkit.http.Input;
import dev.eventkit.http.SchemasEndpoint;
import dev.eventkit.input.cloudevents.CloudEventsInput;
import dev.eventkit.input.pixel.PixelInput;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.input.selfdescribing.SelfDescribingInput;
import dev.eventkit.input.webhook.WebhookInput;
import dev.eventkit.schema.ClasspathSchemaSource;
import dev.eventkit.schema.DirectorySchemaSource;
import dev.eventkit.schema.HttpSchemaSource;
import dev.eventkit.schema.SchemaRegistry;
import dev.eventkit.schema.SchemaValidator;
import dev.eventkit.schema.Validator;
import dev.eventkit.servlet.EventkitServlet;
import dev.eventkit.sink.FileSink;
import dev.eventkit.sink.Sink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.ClassUtils;

/**
 * Spring Boot auto-configuration for eventkit: from the {@code eventkit.*} properties ({@link EventkitProperties}) it
 * builds a SQLite write-ahead log, a {@link Pipeline} with NDJSON file sinks, a {@link Collector} with the enabled
 * inputs, and registers an {@link EventkitServlet} at {@code eventkit.base-path} in the application's own servlet
 * container. With Actuator on the class path it adds the {@code eventkit} health indicator.
 *
 * <p>Every bean backs off when the application defines its own of the same type (a {@link RingBuffer}, a
 * {@link Validator}, the {@link Pipeline}, the {@link Collector}, the servlet registration). The application's own
 * {@link Sink}, {@link EventInterceptor} and {@link Input} beans are added to the pipeline and the collector. The
 * pipeline starts before the web server and shuts down after it, within {@code eventkit.shutdown-timeout}
 * ({@link EventkitLifecycle}).
 *
 * <p>A data directory that cannot be created fails the application's start-up.
 */
@AutoConfiguration
@EnableConfigurationProperties(EventkitProperties.class)
@ConditionalOnProperty(prefix = "eventkit", name = "enabled", havingValue = "true", matchIfMissing = true)
public class EventkitAutoConfiguration {

  private static final String SNOWPLOW_INPUT = "dev.eventkit.snowplow.SnowplowInput";

  /** The SQLite write-ahead log at {@code {data-dir}/wal.db}. The pipeline closes it. */
  @Bean(destroyMethod = "")
  @ConditionalOnMissingBean
  public RingBuffer eventkitRingBuffer(EventkitProperties props) {
    Path dir = createDirectories(props.getDataDir());
    RetentionPolicy.Builder retention = RetentionPolicy.builder()
        .maxRetainedEvents(props.getRetention().getMaxEvents())
        .maxAge(props.getRetention().getMaxAge());
    if (props.getCapacity().getEvents() > 0) {
      retention.capacityEvents(props.getCapacity().getEvents());
    }
    if (props.getCapacity().getBytes().toBytes() > 0) {
      retention.capacityBytes(props.getCapacity().getBytes().toBytes());
    }
    return SqliteRingBuffer.builder(dir.resolve("wal.db"))
        .durability(props.getDurability())
        .retention(retention.build())
        .build();
  }

  /**
   * Schemas from the class path ({@code schemas/}), Snowplow's bundled ones when eventkit-snowplow is present, the
   * schema directory and the Iglu server, in rising priority.
   */
  @Bean
  @ConditionalOnMissingBean
  public SchemaRegistry eventkitSchemaRegistry(EventkitProperties props) {
    SchemaRegistry.Builder b = SchemaRegistry.builder().source(ClasspathSchemaSource.create(), 0);
    if (ClassUtils.isPresent(SNOWPLOW_INPUT, getClass().getClassLoader())) {
      b.source(SnowplowSupport.schemas(), 5);
    }
    if (props.getSchemas().getDirectory() != null) {
      b.source(DirectorySchemaSource.of(props.getSchemas().getDirectory()), 10);
    }
    if (props.getSchemas().getIgluUrl() != null && !props.getSchemas().getIgluUrl().isBlank()) {
      b.source(HttpSchemaSource.of(props.getSchemas().getIgluUrl()), 20);
    }
    return b.build();
  }

  /** Validates events against the registry's schemas. */
  @Bean
  @ConditionalOnMissingBean
  public Validator eventkitValidator(SchemaRegistry registry) {
    return SchemaValidator.create(registry);
  }

  /**
   * The pipeline: the log, the application's {@link Sink} beans plus (unless disabled) the NDJSON file sinks, the
   * application's interceptors, the validator and the retry policy. Started and stopped by
   * {@link EventkitLifecycle}.
   */
  @Bean
  @ConditionalOnMissingBean
  public Pipeline eventkitPipeline(EventkitProperties props, RingBuffer ringBuffer, Validator validator,
      ObjectProvider<Sink> sinks, ObjectProvider<EventInterceptor> interceptors) {
    Path dir = createDirectories(props.getDataDir());
    PipelineBuilder b = Pipeline.builder()
        .ringBuffer(ringBuffer)
        .validator(validator)
        .retry(retry(props.getRetry()))
        .shutdownTimeout(props.getShutdownTimeout());
    sinks.orderedStream().forEach(b::sink);
    if (props.getFileSinks().isEnabled()) {
      b.sink(FileSink.builder(dir.resolve("events")).name("file").prefix("events").build());
    }
    if (props.getFileSinks().isErrorsEnabled()) {
      b.invalidSink(FileSink.builder(dir.resolve("invalid")).name("invalid").prefix("invalid").build());
      b.deadLetterSink(FileSink.builder(dir.resolve("dead")).name("dead-letter").prefix("dead").build());
    }
    interceptors.orderedStream().forEach(b::interceptor);
    return b.build();
  }

  /** Starts the pipeline before the web server takes requests; shuts it down after the server stopped. */
  @Bean
  @ConditionalOnMissingBean
  public EventkitLifecycle eventkitLifecycle(Pipeline pipeline, EventkitProperties props) {
    return new EventkitLifecycle(pipeline, props.getShutdownTimeout());
  }

  /**
   * The collector: the enabled inputs, the application's own {@link Input} beans, the schema listing
   * ({@code GET /schemas}) and the body limit.
   */
  @Bean
  @ConditionalOnMissingBean
  public Collector eventkitCollector(EventkitProperties props, Pipeline pipeline, SchemaRegistry registry,
      ObjectProvider<Input> inputs) {
    EventkitProperties.Inputs on = props.getInputs();
    Collector.Builder b = Collector.builder(pipeline)
        .maxBodyBytes((int) Math.min(Integer.MAX_VALUE - 1, props.getMaxBody().toBytes()))
        .endpoint(SchemasEndpoint.create(registry));
    if (on.isSegment()) {
      b.input(SegmentInput.create());
    }
    if (on.isSelfDescribing()) {
      b.input(SelfDescribingInput.create());
    }
    if (on.isCloudEvents()) {
      b.input(CloudEventsInput.create());
    }
    if (on.isPixel()) {
      b.input(PixelInput.create());
    }
    if (on.isWebhook()) {
      b.input(WebhookInput.create());
    }
    if (on.isSnowplow() && ClassUtils.isPresent(SNOWPLOW_INPUT, getClass().getClassLoader())) {
      b.input(SnowplowSupport.input());
    }
    inputs.orderedStream().forEach(b::input);
    return b.build();
  }

  /** Registers the collector's servlet in a servlet web application. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnClass(name = "jakarta.servlet.Servlet")
  static class ServletConfiguration {

    /** {@code EventkitServlet} at {@code {base-path}/*}, asynchronous. */
    @Bean
    @ConditionalOnMissingBean(name = "eventkitServlet")
    ServletRegistrationBean<EventkitServlet> eventkitServlet(Collector collector, EventkitProperties props) {
      ServletRegistrationBean<EventkitServlet> reg =
          new ServletRegistrationBean<>(new EventkitServlet(collector), mapping(props.getBasePath()));
      reg.setName("eventkit");
      reg.setAsyncSupported(true);
      return reg;
    }
  }

  /** The {@code eventkit} health indicator when Actuator is on the class path. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
  static class HealthConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "eventkitHealthIndicator")
    EventkitHealthIndicator eventkitHealthIndicator(Pipeline pipeline) {
      return new EventkitHealthIndicator(pipeline);
    }
  }

  /** {@code /eventkit} becomes {@code /eventkit/*}; an empty or root base path maps everything. */
  static String mapping(String basePath) {
    String p = basePath == null ? "" : basePath.trim();
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    if (!p.isEmpty() && !p.startsWith("/")) {
      p = "/" + p;
    }
    return p + "/*";
  }

  private static RetryPolicy retry(EventkitProperties.Retry r) {
    RetryPolicy.Builder b = RetryPolicy.builder().initialDelay(r.getInitialDelay()).maxDelay(r.getMaxDelay());
    if (r.getMaxAttempts() > 0) {
      b.maxAttempts(r.getMaxAttempts());
    }
    return b.build();
  }

  private static Path createDirectories(Path dir) {
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create eventkit.data-dir " + dir, e);
    }
  }
}
