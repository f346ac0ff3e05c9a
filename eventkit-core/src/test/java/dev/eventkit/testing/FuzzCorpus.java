package dev.eventkit.testing;

import dev.eventkit.http.HttpResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fuzz target's committed corpus, in Jazzer's layout: {@code src/test/resources/<package>/<TestClass>Inputs/
 * <target>/}. Seeds are named {@code seed-<status>-<what>}, the status their request is answered with; findings keep
 * the {@code crash-<sha1>} names Jazzer gives them.
 *
 * <p>As a JUnit extension on a class of fuzz targets, it holds the status the corpus file being replayed promises
 * (Jazzer names each replay after its file), and {@link #verify} fails a seed that no longer decodes to the request
 * it was written for, so that a change to a target's request shape cannot leave the corpus silently meaningless.
 * Fuzz targets run one at a time.
 */
public final class FuzzCorpus implements BeforeEachCallback, AfterEachCallback {

  /** Set this system property to {@code true} to (re)write the seeds into the source tree. */
  public static final String WRITE_SEEDS = "fuzz.writeSeeds";

  private static volatile String replaying;

  @Override
  public void beforeEach(ExtensionContext context) {
    replaying = context.getDisplayName();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    replaying = null;
  }

  /** Fails when the corpus file being replayed is a seed whose name promises another status than {@code r}'s. */
  public static void verify(HttpResponse r) {
    String name = replaying;
    int expected = name == null ? -1 : expectedStatus(name);
    FuzzCollector.require(expected < 0 || r.status() == expected,
        "seed " + name + " was answered " + r.status() + ": " + r.bodyText());
  }

  /** The status a seed's name promises, or -1 for a name that is not a seed's. */
  public static int expectedStatus(String name) {
    return name.matches("seed-[0-9]{3}-.*") ? Integer.parseInt(name.substring(5, 8)) : -1;
  }

  /** The corpus directory of {@code target} in the source tree (tests run in the module's directory). */
  public static Path sourceDirectory(Class<?> testClass, String target) {
    return Paths.get("src", "test", "resources", testClass.getPackageName().replace('.', '/'),
        testClass.getSimpleName() + "Inputs", target);
  }

  /** Writes one seed into the source tree. */
  public static void write(Class<?> testClass, String target, String name, byte[] data) {
    Path dir = sourceDirectory(testClass, target);
    try {
      Files.createDirectories(dir);
      Files.write(dir.resolve(name), data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A committed corpus file as the test class path holds it, or null when there is none. */
  public static byte[] committed(Class<?> testClass, String target, String name) {
    try (InputStream in = testClass.getResourceAsStream(testClass.getSimpleName() + "Inputs/" + target + "/" + name)) {
      return in == null ? null : in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
