package dev.eventkit.event;

import java.time.Instant;
import java.time.LocalDate;
import java.time.Month;
import java.time.Year;

/**
 * Reads the instants the codec writes ({@link Instant#toString()}: {@code 2026-11-23T10:15:30.301Z}, with 0-9
 * fraction digits and a four-digit year) without {@link java.time.format.DateTimeFormatter}, whose parsing costs
 * more than the rest of a log record's small fields. Any other spelling is left to {@link Instant#parse}.
 *
 * <p>Stateless and thread-safe.
 */
final class InstantText {

  private InstantText() {}

  /** The instant {@code s} spells in the codec's own form, or null when it is not that form (or not a time). */
  static Instant parsePlain(String s) {
    int n = s.length();
    if (n < 20 || n > 30 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
        || s.charAt(16) != ':' || s.charAt(n - 1) != 'Z') {
      return null;
    }
    int year = digits(s, 0, 4);
    int month = digits(s, 5, 2);
    int day = digits(s, 8, 2);
    int hour = digits(s, 11, 2);
    int minute = digits(s, 14, 2);
    int second = digits(s, 17, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
        || second < 0 || second > 59 || day > Month.of(month).length(Year.isLeap(year))) {
      return null;
    }
    int nanos = 0;
    if (n > 20) {
      int fraction = n - 21;
      if (s.charAt(19) != '.' || fraction < 1) {
        return null;
      }
      nanos = digits(s, 20, fraction);
      if (nanos < 0) {
        return null;
      }
      for (int i = fraction; i < 9; i++) {
        nanos *= 10;
      }
    }
    long seconds = LocalDate.of(year, month, day).toEpochDay() * 86_400L + hour * 3_600L + minute * 60L + second;
    return Instant.ofEpochSecond(seconds, nanos);
  }

  /** The value of {@code count} decimal digits at {@code at}, or -1 when one is not a digit. */
  private static int digits(String s, int at, int count) {
    int v = 0;
    for (int i = at; i < at + count; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }
}
