package dev.eventkit.examples;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The example collector's settings as resolved from, in rising precedence: the defaults of {@link ConfigKeys}, the
 * YAML file ({@code EVENTKIT_CONFIG} or {@code --config}), the older and Python-collector variable names (aliases),
 * and each key's own variable ({@code EVENTKIT_} and its path, {@code EVENTKIT_SINKS_GCS_BUCKET}). A secret key may
 * instead be read from a file named by {@code <VARIABLE>_FILE} or by {@code <leaf>_file} in the YAML file.
 *
 * <p>Unknown keys in the file are errors (the file is the operator's own; a misspelt key there is a mistake);
 * unknown {@code EVENTKIT_*} variables are warnings (the environment is shared with other tools), both with the
 * nearest known name. Variables of the Python collector without a counterpart here are warnings too.
 *
 * <p>Immutable and thread-safe. {@link #load} throws {@link IllegalArgumentException} naming the key (and where it
 * was set) and the problem, never a secret's value.
 */
public final class EffectiveConfig {

  private static final String MASK = "********";

  private final Map<String, String> values;
  private final Map<String, String> origins;
  private final List<String> warnings;

  private EffectiveConfig(Map<String, String> values, Map<String, String> origins, List<String> warnings) {
    this.values = Map.copyOf(values);
    this.origins = Map.copyOf(origins);
    this.warnings = List.copyOf(warnings);
  }

  /**
   * Resolves the settings from {@code file} (may be null; else it must exist) and {@code env}; when {@code file} is
   * null, {@code EVENTKIT_CONFIG} in {@code env} names the file, if set.
   */
  public static EffectiveConfig load(Path file, Map<String, String> env) {
    Map<String, String> values = new LinkedHashMap<>();
    Map<String, String> origins = new LinkedHashMap<>();
    List<String> warnings = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    Path configFile = file;
    if (configFile == null && !blank(env.get("EVENTKIT_CONFIG"))) {
      configFile = Path.of(env.get("EVENTKIT_CONFIG").trim());
    }
    if (configFile != null && !Files.isRegularFile(configFile)) {
      errors.add("configuration file " + configFile + " does not exist");
    } else if (configFile != null) {
      readFile(configFile, values, origins, errors);
    }
    readEnvironment(new TreeMap<>(env), values, origins, warnings, errors);
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    return new EffectiveConfig(values, origins, warnings);
  }

  private static void readFile(Path file, Map<String, String> values, Map<String, String> origins,
      List<String> errors) {
    JsonNode root;
    try {
      root = new YAMLMapper().readTree(file.toFile());
    } catch (JacksonException e) {
      // The parser's message points at the line and column; it quotes no more than the offending token.
      errors.add("configuration file " + file + " is not valid YAML: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
      return;
    } catch (IOException e) {
      errors.add("configuration file " + file + " cannot be read (" + e.getClass().getSimpleName() + ")");
      return;
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return;
    }
    if (!root.isObject()) {
      errors.add("configuration file " + file + " must hold a mapping of settings");
      return;
    }
    flatten("", root, file.getFileName().toString(), values, origins, errors);
  }

  private static void flatten(String prefix, JsonNode node, String origin, Map<String, String> values,
      Map<String, String> origins, List<String> errors) {
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      String path = prefix + field.getKey();
      JsonNode value = field.getValue();
      if (value.isObject()) {
        if (ConfigKeys.all().stream().noneMatch(k -> k.path().startsWith(path + "."))) {
          errors.add(unknownKey(path));
        } else {
          flatten(path + ".", value, origin, values, origins, errors);
        }
        continue;
      }
      if (value.isNull()) {
        continue;
      }
      String text;
      if (value.isArray()) {
        List<String> items = new ArrayList<>();
        value.forEach(item -> items.add(item.asText()));
        text = String.join(",", items);
      } else {
        text = value.asText();
      }
      ConfigKey key = ConfigKeys.byPath(path);
      ConfigKey secretOfFile = path.endsWith("_file") ? ConfigKeys.byPath(path.substring(0, path.length() - 5)) : null;
      if (key != null) {
        values.put(path, text);
        origins.put(path, origin);
      } else if (secretOfFile != null && secretOfFile.secret()) {
        putSecretFromFile(secretOfFile, text, path + " in " + origin, values, origins, errors);
      } else {
        errors.add(unknownKey(path));
      }
    }
  }

  private static void readEnvironment(Map<String, String> env, Map<String, String> values,
      Map<String, String> origins, List<String> warnings, List<String> errors) {
    Map<String, ConfigKey> canonical = new LinkedHashMap<>();
    Map<String, ConfigKey> aliases = new LinkedHashMap<>();
    for (ConfigKey k : ConfigKeys.all()) {
      canonical.put(k.envName(), k);
      k.aliases().forEach(a -> aliases.put(a, k));
    }
    // Aliases first, so that a key's own variable wins over them.
    for (Map.Entry<String, String> e : env.entrySet()) {
      ConfigKey k = aliases.get(e.getKey());
      if (k != null && !canonical.containsKey(e.getKey()) && !blank(e.getValue())) {
        values.put(k.path(), e.getValue().trim());
        origins.put(k.path(), e.getKey());
      }
    }
    for (Map.Entry<String, String> e : env.entrySet()) {
      String name = e.getKey();
      if (aliases.containsKey(name) || ConfigKeys.NOT_KEYS.contains(name)) {
        continue;
      }
      ConfigKey k = canonical.get(name);
      if (k != null) {
        if (!blank(e.getValue())) {
          values.put(k.path(), e.getValue().trim());
          origins.put(k.path(), name);
        }
        continue;
      }
      ConfigKey secret = name.endsWith("_FILE") ? secretNamed(name.substring(0, name.length() - 5)) : null;
      if (secret != null) {
        if (!blank(e.getValue())) {
          putSecretFromFile(secret, e.getValue().trim(), name, values, origins, errors);
        }
      } else if (ConfigKeys.WITHOUT_EFFECT.containsKey(name)) {
        warnings.add(name + " has no effect here: " + ConfigKeys.WITHOUT_EFFECT.get(name));
      } else if (name.startsWith("EVENTKIT_")) {
        warnings.add("unknown variable " + name + " is ignored" + suggestion(name, true));
      }
    }
  }

  private static ConfigKey secretNamed(String variable) {
    for (ConfigKey k : ConfigKeys.all()) {
      if (k.secret() && (k.envName().equals(variable) || k.aliases().contains(variable))) {
        return k;
      }
    }
    return null;
  }

  private static void putSecretFromFile(ConfigKey key, String file, String origin, Map<String, String> values,
      Map<String, String> origins, List<String> errors) {
    try {
      values.put(key.path(), Files.readString(Path.of(file), StandardCharsets.UTF_8).trim());
      origins.put(key.path(), origin);
    } catch (IOException e) {
      errors.add(key.path() + " (" + origin + "): the file cannot be read (" + e.getClass().getSimpleName() + ")");
    }
  }

  private static String unknownKey(String path) {
    return "unknown key " + path + suggestion(path, false);
  }

  /** ", did you mean X?" for the nearest known name within a few edits, else empty. */
  private static String suggestion(String name, boolean variable) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (ConfigKey k : ConfigKeys.all()) {
      String candidate = variable ? k.envName() : k.path();
      int d = EditDistance.between(name, candidate);
      if (d < bestDistance) {
        bestDistance = d;
        best = candidate;
      }
    }
    return best != null && bestDistance <= Math.max(2, name.length() / 4) ? " (did you mean " + best + "?)" : "";
  }

  /** The value of {@code path}: set, or the default; empty when neither. */
  public String get(String path) {
    ConfigKey key = ConfigKeys.byPath(path);
    if (key == null) {
      throw new IllegalArgumentException("no key " + path);
    }
    return values.getOrDefault(path, key.defaultValue());
  }

  /** Whether something (the file or the environment) set {@code path}. */
  public boolean isSet(String path) {
    return values.containsKey(path);
  }

  /** What set {@code path}: the file's name or a variable's, or null for the default. */
  public String origin(String path) {
    return origins.get(path);
  }

  /** Warnings for the operator: unknown variables, variables without effect. Never holds a value. */
  public List<String> warnings() {
    return warnings;
  }

  /**
   * Every key that has a value (set or default), by its variable name: the shape the settings' parsers read. An
   * unset key without a default is absent.
   */
  public Map<String, String> byVariable() {
    Map<String, String> out = new LinkedHashMap<>();
    for (ConfigKey k : ConfigKeys.all()) {
      String v = get(k.path());
      if (!v.isEmpty()) {
        out.put(k.envName(), v);
      }
    }
    return out;
  }

  /**
   * A parser's message about a key, with the key's path and where it was set in place of its variable name:
   * {@code EVENTKIT_SERVER_PORT must be a whole number} becomes
   * {@code server.port (set by EVENTKIT_PORT) must be a whole number}.
   */
  public String describe(String message) {
    String out = message;
    List<ConfigKey> longestFirst = new ArrayList<>(ConfigKeys.all());
    longestFirst.sort((a, b) -> b.envName().length() - a.envName().length());
    for (ConfigKey k : longestFirst) {
      if (out.contains(k.envName())) {
        String origin = origins.get(k.path());
        String where = origin == null ? "" : origin.matches("[A-Z0-9_]+") ? " (set by " + origin + ")"
            : " (set in " + origin + ")";
        out = out.replace(k.envName(), k.path() + where);
      }
    }
    return out;
  }

  /** The effective configuration as YAML, every key with its origin, secrets masked. */
  public String render() {
    StringBuilder out = new StringBuilder("# eventkit collector: effective configuration (secrets masked)\n");
    String[] open = new String[0];
    for (ConfigKey k : ConfigKeys.all()) {
      String[] parts = k.path().split("\\.");
      int common = 0;
      while (common < open.length && common < parts.length - 1 && open[common].equals(parts[common])) {
        common++;
      }
      for (int i = common; i < parts.length - 1; i++) {
        out.append("  ".repeat(i)).append(parts[i]).append(":\n");
      }
      open = java.util.Arrays.copyOf(parts, parts.length - 1);
      String v = get(k.path());
      String shown = k.secret() && !v.isEmpty() ? MASK : v;
      String origin = origins.get(k.path());
      out.append("  ".repeat(parts.length - 1)).append(parts[parts.length - 1]).append(": ")
          .append(shown.isEmpty() ? "" : quote(shown))
          .append("  # ").append(origin == null ? "default" : origin).append('\n');
    }
    return out.toString();
  }

  private static String quote(String v) {
    return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
