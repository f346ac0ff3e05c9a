package dev.eventkit.examples;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Locale;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * The example collector's logging, on Logback: one console appender on standard error, with a readable layout
 * ({@code 12:00:00.000 INFO  [thread] logger - message request_id=…}) or, with {@code log.json} /
 * {@code EVENTKIT_JSON_LOGS=true}, Logback's JSON encoder (one object a line; the request id under {@code mdc}).
 * The level is {@code log.level} / {@code EVENTKIT_LOG_LEVEL}.
 *
 * <p>Found by Logback through {@code META-INF/services} when no {@code logback.xml} is on the class path, so that
 * the lines written before the configuration is read already follow the two variables; {@link #apply} then sets
 * what the configuration file says. The collector's libraries log through the SLF4J API only.
 *
 * <p>Thread-safety: {@link #apply} reconfigures the shared logger context; call it from the starting thread.
 * Failure modes: none; when Logback is not the SLF4J binding, {@link #apply} does nothing.
 */
public final class CollectorLogging extends ContextAwareBase implements Configurator {

  /** The MDC key of the request id that the collector sets while it works on a request. */
  public static final String REQUEST_ID = "request_id";

  private static final String PATTERN =
      "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%replace( request_id=%X{request_id}){' request_id=$', ''}"
          + "%n";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    Map<String, String> env = System.getenv();
    boolean json = "true".equalsIgnoreCase(firstOf(env, "EVENTKIT_LOG_JSON", "EVENTKIT_JSON_LOGS"));
    String level = env.get("EVENTKIT_LOG_LEVEL");
    setup(context, json, level == null || level.isBlank() ? "INFO" : level.trim().toUpperCase(Locale.ROOT).replace(
        "WARNING", "WARN"));
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** Sets the layout and level the configuration asks for. */
  public static void apply(boolean json, String level) {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.reset();
      setup(context, json, level);
    }
  }

  private static void setup(LoggerContext context, boolean json, String level) {
    Encoder<ILoggingEvent> encoder;
    if (json) {
      JsonEncoder e = new JsonEncoder();
      // The message as written, without its arguments again; no sequence numbers or logger context noise.
      e.setWithFormattedMessage(true);
      e.setWithMessage(false);
      e.setWithArguments(false);
      e.setWithSequenceNumber(false);
      e.setWithContext(false);
      e.setWithNanoseconds(false);
      encoder = e;
    } else {
      PatternLayoutEncoder e = new PatternLayoutEncoder();
      e.setPattern(PATTERN);
      encoder = e;
    }
    encoder.setContext(context);
    encoder.start();
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("console");
    console.setTarget("System.err");
    console.setEncoder(encoder);
    console.start();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(level, Level.INFO));
    root.addAppender(console);
  }

  private static String firstOf(Map<String, String> env, String name, String alias) {
    String v = env.get(name);
    return v != null && !v.isBlank() ? v : env.get(alias);
  }
}
