package dev.eventkit.examples;

import java.util.List;
import java.util.Locale;

/**
 * One setting of the example collector: its path in the configuration file ({@code sinks.gcs.bucket}), the
 * environment variable derived from it ({@code EVENTKIT_SINKS_GCS_BUCKET}), the older or Python-collector names it
 * also answers to, its default and what it means. Immutable.
 *
 * @param path dot-separated path in the YAML file
 * @param defaultValue the value when nothing sets it, as text; empty when unset by default
 * @param secret masked when printed, and readable from a file ({@code <VARIABLE>_FILE}, {@code <leaf>_file})
 * @param aliases other environment variables read for this setting (the canonical variable wins over them)
 * @param description what it means, one sentence for the README's table
 */
public record ConfigKey(String path, String defaultValue, boolean secret, List<String> aliases,
    String description) {

  public ConfigKey {
    String own = "EVENTKIT_" + path.replace('.', '_').toUpperCase(Locale.ROOT);
    aliases = aliases.stream().filter(a -> !a.equals(own)).toList();
  }

  /** The environment variable that overrides this key: {@code EVENTKIT_} and the path in upper case, dots as {@code _}. */
  public String envName() {
    return "EVENTKIT_" + path.replace('.', '_').toUpperCase(Locale.ROOT);
  }
}
