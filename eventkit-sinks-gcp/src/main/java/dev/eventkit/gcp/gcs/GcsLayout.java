package dev.eventkit.gcp.gcs;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;

/**
 * Where {@link GcsSink} puts objects: {@code <prefix>/dt=YYYY-MM-DD/hr=HH/<key>-<digest>.ndjson.gz}, partitioned by
 * each event's {@code receivedAt} in UTC.
 *
 * <ul>
 *   <li>{@code key}: the first 16 hex digits of SHA-256 of the object's first event id. Objects that start with
 *       the same event share the prefix {@code …/<key>-}, which is how a replay finds what an earlier attempt
 *       already stored (see {@link GcsSink}).
 *   <li>{@code digest}: the first 32 hex digits of SHA-256 of the object's uncompressed content. The name thus
 *       determines the content: writing the same events again yields the same name, never a second object.
 * </ul>
 *
 * <p>Stateless and thread-safe. Prefixes are given without leading or trailing slash; an empty prefix puts the
 * partitions at the bucket's root.
 */
public final class GcsLayout {

  /** The suffix of every object the sink writes. */
  public static final String SUFFIX = ".ndjson.gz";

  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("HH").withZone(ZoneOffset.UTC);
  private static final HexFormat HEX = HexFormat.of();

  private GcsLayout() {}

  /** The folder of one day: {@code <prefix>/dt=YYYY-MM-DD/}. */
  public static String dayPrefix(String prefix, LocalDate day) {
    return base(prefix) + "dt=" + DAY.format(day.atStartOfDay(ZoneOffset.UTC)) + "/";
  }

  /** The folder of the hour an event was received in: {@code <prefix>/dt=YYYY-MM-DD/hr=HH/}. */
  public static String partition(String prefix, Instant receivedAt) {
    return base(prefix) + "dt=" + DAY.format(receivedAt) + "/hr=" + HOUR.format(receivedAt) + "/";
  }

  /**
   * The start of the hour partition an object of this layout lies in, or null when {@code objectName} is not of it
   * ({@code <prefix>/dt=YYYY-MM-DD/hr=HH/…}).
   */
  public static Instant partitionHour(String prefix, String objectName) {
    String base = base(prefix);
    int at = base.length();
    // dt=YYYY-MM-DD/hr=HH/ is 20 characters
    if (!objectName.startsWith(base) || objectName.length() < at + 20 || !objectName.startsWith("dt=", at)
        || !objectName.startsWith("/hr=", at + 13) || objectName.charAt(at + 19) != '/') {
      return null;
    }
    try {
      LocalDate day = LocalDate.parse(objectName.substring(at + 3, at + 13));
      int hour = Integer.parseInt(objectName.substring(at + 17, at + 19));
      return hour < 0 || hour > 23 ? null : day.atTime(hour, 0).toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException | NumberFormatException e) {
      return null;
    }
  }

  /** The name prefix shared by every object in {@code partition} whose first event is {@code firstEventId}. */
  public static String replayPrefix(String partition, String firstEventId) {
    return partition + hex(sha256(firstEventId.getBytes(StandardCharsets.UTF_8)), 16) + "-";
  }

  /** The name of an object in {@code partition} starting with {@code firstEventId} and holding {@code content}. */
  public static String objectName(String partition, String firstEventId, byte[] content) {
    return replayPrefix(partition, firstEventId) + hex(sha256(content), 32) + SUFFIX;
  }

  private static String base(String prefix) {
    return prefix.isEmpty() ? "" : prefix + "/";
  }

  private static String hex(byte[] digest, int digits) {
    return HEX.formatHex(digest).substring(0, digits);
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
    }
  }
}
