package dev.eventkit.internal.id;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Random identifiers for events, network user ids and requests, drawn from {@link ThreadLocalRandom}: each thread
 * has its own generator, so making one never waits for another thread. {@link UUID#randomUUID()} draws from one
 * shared {@code SecureRandom}, whose monitor the collector's event loops were found contending on. These ids name
 * things; they are not secrets (nothing is authorised by knowing one), so a cryptographic generator is not needed.
 *
 * <p>Not API: internal to eventkit's modules and may change without notice. Stateless and thread-safe.
 */
public final class RandomIds {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private RandomIds() {}

  /** A random (version 4, IETF variant) UUID in its canonical 36-character form. */
  public static String uuid() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
    long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(msb, lsb).toString();
  }

  /** 128 random bits as 32 lower-case hex digits. */
  public static String hex128() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    char[] out = new char[32];
    put(out, 0, r.nextLong());
    put(out, 16, r.nextLong());
    return new String(out);
  }

  private static void put(char[] out, int at, long bits) {
    for (int i = 15; i >= 0; i--) {
      out[at + i] = HEX[(int) (bits & 0xF)];
      bits >>>= 4;
    }
  }
}
