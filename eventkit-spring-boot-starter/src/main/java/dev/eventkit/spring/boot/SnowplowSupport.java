package dev.eventkit.spring.boot;

import dev.eventkit.http.Input;
import dev.eventkit.schema.SchemaSource;
import dev.eventkit.snowplow.SnowplowInput;
import dev.eventkit.snowplow.SnowplowSchemas;

/**
 * The only class that names eventkit-snowplow's types: loaded only after the auto-configuration has found them on
 * the class path, so the starter works without that optional module. Stateless.
 */
final class SnowplowSupport {

  private SnowplowSupport() {}

  static Input input() {
    return SnowplowInput.create();
  }

  static SchemaSource schemas() {
    return SnowplowSchemas.source();
  }
}
