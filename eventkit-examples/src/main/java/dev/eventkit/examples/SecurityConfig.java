package dev.eventkit.examples;

import dev.eventkit.http.Collector;
import dev.eventkit.http.security.AccessLog;
import dev.eventkit.http.security.ClientAddressPolicy;
import dev.eventkit.http.security.CorsPolicy;
import dev.eventkit.http.security.HeaderPolicy;
import dev.eventkit.http.security.IpAnonymizer;
import dev.eventkit.http.security.RateLimits;
import dev.eventkit.http.security.WriteKeys;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The example collector's protections, the {@code security.*} keys (and {@code log.access}) of
 * {@link ConfigKeys}, read from the resolved settings by their variable names. Every protection is off by default, for local use, except those that cost nothing: no
 * {@code Origin: null}, credentials never reach inputs, header values capped, answers never echo input. Immutable;
 * {@link #fromEnvironment} throws {@link IllegalArgumentException} naming the variable that holds a bad value
 * (never repeating a key).
 *
 * @param writeKeys {@code EVENTKIT_SECURITY_WRITE_KEYS} and/or {@code EVENTKIT_SECURITY_WRITE_KEYS_FILE} (entries in
 *     {@link WriteKeys}' text form), with {@code EVENTKIT_SECURITY_OPEN_PATHS}, {@code EVENTKIT_SECURITY_QUERY_KEY_PATHS} and
 *     {@code EVENTKIT_SECURITY_QUERY_KEY_PARAMETER}; null when no key is configured (no key required)
 * @param adminKeys {@code EVENTKIT_SECURITY_ADMIN_KEY}: required on {@code /health} and {@code /schemas}; null: open
 * @param cors {@code EVENTKIT_SECURITY_CORS_ORIGINS}: unset for any origin (never {@code null}), {@code none}, or a list
 * @param rateLimits {@code EVENTKIT_SECURITY_RATE_LIMIT_IP_PER_SECOND}/{@code _BURST},
 *     {@code EVENTKIT_SECURITY_RATE_LIMIT_KEY_PER_SECOND}/{@code _BURST}, {@code EVENTKIT_SECURITY_RATE_LIMIT_MAX_CLIENTS}
 * @param clientAddresses {@code EVENTKIT_SECURITY_TRUSTED_PROXIES} and {@code EVENTKIT_SECURITY_FORWARDED_HEADER} (or the older
 *     {@code EVENTKIT_SECURITY_TRUST_FORWARDED_HEADERS=true}: the loopback and private ranges)
 * @param anonymizer {@code EVENTKIT_SECURITY_ANONYMIZE_IP}: {@code true} truncates addresses (IPv4 /24, IPv6 /48)
 * @param headers {@code EVENTKIT_SECURITY_KEEP_HEADERS}: the headers inputs may keep; unset for all but credentials
 * @param accessLog {@code EVENTKIT_LOG_ACCESS}: {@code true} (the default) writes one line per request to
 *     {@code dev.eventkit.access}
 * @param warnings what an operator should hear about at startup
 */
public record SecurityConfig(WriteKeys writeKeys, WriteKeys adminKeys, CorsPolicy cors, RateLimits rateLimits,
    ClientAddressPolicy clientAddresses, IpAnonymizer anonymizer, HeaderPolicy headers, AccessLog accessLog,
    List<String> warnings) {

  public static SecurityConfig fromEnvironment(Map<String, String> env) {
    List<String> warnings = new ArrayList<>();
    return new SecurityConfig(writeKeys(env), adminKeys(env), cors(env), rateLimits(env),
        clientAddresses(env, warnings), flag(env, "EVENTKIT_SECURITY_ANONYMIZE_IP") ? IpAnonymizer.standard()
            : IpAnonymizer.none(), headers(env), flag(env, "EVENTKIT_LOG_ACCESS") ? AccessLog.toLogger()
                : AccessLog.off(), List.copyOf(warnings));
  }

  /** Sets every protection on {@code builder}. */
  public Collector.Builder apply(Collector.Builder builder) {
    return builder.writeKeys(writeKeys).adminKeys(adminKeys).cors(cors).rateLimits(rateLimits)
        .clientAddressPolicy(clientAddresses).ipAnonymizer(anonymizer).headerPolicy(headers).accessLog(accessLog);
  }

  private static WriteKeys writeKeys(Map<String, String> env) {
    String inline = value(env, "EVENTKIT_SECURITY_WRITE_KEYS");
    String file = value(env, "EVENTKIT_SECURITY_WRITE_KEYS_FILE");
    if (inline == null && file == null) {
      for (String dependent : List.of("EVENTKIT_SECURITY_OPEN_PATHS", "EVENTKIT_SECURITY_QUERY_KEY_PATHS")) {
        if (value(env, dependent) != null) {
          throw new IllegalArgumentException(dependent
              + " needs EVENTKIT_SECURITY_WRITE_KEYS or EVENTKIT_SECURITY_WRITE_KEYS_FILE");
        }
      }
      return null;
    }
    WriteKeys.Builder b = WriteKeys.builder();
    try {
      if (inline != null) {
        b.entries(inline);
      }
      if (file != null) {
        b.file(Path.of(file));
      }
      list(env, "EVENTKIT_SECURITY_OPEN_PATHS").forEach(b::openPath);
      list(env, "EVENTKIT_SECURITY_QUERY_KEY_PATHS").forEach(b::queryKeyPath);
      String parameter = value(env, "EVENTKIT_SECURITY_QUERY_KEY_PARAMETER");
      if (parameter != null) {
        b.queryParameter(parameter);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("EVENTKIT_SECURITY_WRITE_KEYS_FILE cannot be read (" + e.getClass()
          .getSimpleName()
          + ")");
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("write keys: " + e.getMessage());
    }
    WriteKeys keys = b.build();
    if (keys.size() == 0) {
      throw new IllegalArgumentException(
          "EVENTKIT_SECURITY_WRITE_KEYS / EVENTKIT_SECURITY_WRITE_KEYS_FILE hold no key");
    }
    return keys;
  }

  private static WriteKeys adminKeys(Map<String, String> env) {
    String admin = value(env, "EVENTKIT_SECURITY_ADMIN_KEY");
    if (admin == null) {
      return null;
    }
    try {
      return WriteKeys.parse(admin);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("EVENTKIT_SECURITY_ADMIN_KEY: " + e.getMessage());
    }
  }

  private static CorsPolicy cors(Map<String, String> env) {
    String origins = value(env, "EVENTKIT_SECURITY_CORS_ORIGINS");
    if (origins == null) {
      return CorsPolicy.anyOrigin();
    }
    if (origins.equalsIgnoreCase("none")) {
      return CorsPolicy.none();
    }
    try {
      return CorsPolicy.allowList(list(env, "EVENTKIT_SECURITY_CORS_ORIGINS"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("EVENTKIT_SECURITY_CORS_ORIGINS: " + e.getMessage());
    }
  }

  private static RateLimits rateLimits(Map<String, String> env) {
    RateLimits.Builder b = RateLimits.builder();
    long ip = number(env, "EVENTKIT_SECURITY_RATE_LIMIT_IP_PER_SECOND", 0);
    if (ip > 0) {
      b.perClient(ip, number(env, "EVENTKIT_SECURITY_RATE_LIMIT_IP_BURST", 2 * ip));
    }
    long key = number(env, "EVENTKIT_SECURITY_RATE_LIMIT_KEY_PER_SECOND", 0);
    if (key > 0) {
      b.perKey(key, number(env, "EVENTKIT_SECURITY_RATE_LIMIT_KEY_BURST", 2 * key));
    }
    b.maxTrackedClients((int) Math.min(Integer.MAX_VALUE, Math.max(1,
        number(env, "EVENTKIT_SECURITY_RATE_LIMIT_MAX_CLIENTS", 100_000))));
    return b.build();
  }

  private static ClientAddressPolicy clientAddresses(Map<String, String> env, List<String> warnings) {
    List<String> proxies = list(env, "EVENTKIT_SECURITY_TRUSTED_PROXIES");
    String header = value(env, "EVENTKIT_SECURITY_FORWARDED_HEADER");
    ClientAddressPolicy.Builder b = ClientAddressPolicy.builder();
    try {
      if (header != null) {
        b.header(header);
      }
      proxies.forEach(b::trustProxy);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException((header != null && e.getMessage().contains("header")
          ? "EVENTKIT_SECURITY_FORWARDED_HEADER: " : "EVENTKIT_SECURITY_TRUSTED_PROXIES: ") + e.getMessage());
    }
    if (proxies.isEmpty() && flag(env, "EVENTKIT_SECURITY_TRUST_FORWARDED_HEADERS")) {
      b.trustPrivateRanges();
      warnings.add("security.trust_forwarded_headers trusts forwarded headers from every loopback and private "
          + "address; name your proxies in security.trusted_proxies (EVENTKIT_TRUSTED_PROXIES) instead");
    }
    return b.build();
  }

  private static HeaderPolicy headers(Map<String, String> env) {
    List<String> keep = list(env, "EVENTKIT_SECURITY_KEEP_HEADERS");
    try {
      return keep.isEmpty() ? HeaderPolicy.defaults() : HeaderPolicy.allowList(keep);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("EVENTKIT_SECURITY_KEEP_HEADERS: " + e.getMessage());
    }
  }

  private static String value(Map<String, String> env, String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v.trim();
  }

  private static List<String> list(Map<String, String> env, String name) {
    List<String> out = new ArrayList<>();
    String v = value(env, name);
    if (v != null) {
      for (String item : v.split(",")) {
        if (!item.isBlank()) {
          out.add(item.trim());
        }
      }
    }
    return out;
  }

  private static boolean flag(Map<String, String> env, String name) {
    String v = value(env, name);
    if (v == null) {
      return false;
    }
    String lower = v.toLowerCase(Locale.ROOT);
    if (!lower.equals("true") && !lower.equals("false")) {
      throw new IllegalArgumentException(name + " must be true or false");
    }
    return lower.equals("true");
  }

  private static long number(Map<String, String> env, String name, long fallback) {
    String v = value(env, name);
    if (v == null) {
      return fallback;
    }
    try {
      long n = Long.parseLong(v);
      if (n < 0) {
        throw new IllegalArgumentException(name + " must not be negative");
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number");
    }
  }
}
