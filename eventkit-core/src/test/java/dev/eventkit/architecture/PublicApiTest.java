package dev.eventkit.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.Pipeline;
import java.io.File;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The public API of eventkit-core is recorded in {@code eventkit-core/api/eventkit-core.api}: every public and
 * protected type and member outside {@code dev.eventkit.internal}, one a line, sorted. A change to the API fails
 * {@link #publicApiMatchesTheCommittedListing} until the listing is updated on purpose, so that the change shows in
 * review as a diff of that file:
 *
 * <pre>mvn -pl eventkit-core test -Dtest=PublicApiTest -Deventkit.api.update=true</pre>
 */
class PublicApiTest {

  private static final Path LISTING = Path.of(System.getProperty("basedir", "."), "api", "eventkit-core.api");
  private static final String UPDATE = "eventkit.api.update";
  /** Modifiers that callers cannot see: changing them changes no API. */
  private static final Pattern IMPLEMENTATION_MODIFIERS =
      Pattern.compile("\\b(synchronized|native|strictfp|transient|volatile) ");

  @Test
  void publicApiMatchesTheCommittedListing() throws Exception {
    // The module's own compiled classes (where Pipeline was loaded from), not every jar on the class path.
    Path classes = Path.of(Pipeline.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<String> names;
    try (Stream<Path> files = Files.walk(classes)) {
      names = files.map(f -> classes.relativize(f).toString().replace(File.separatorChar, '.'))
          .filter(n -> n.endsWith(".class") && !n.endsWith("-info.class")).map(n -> n.substring(0, n.length() - 6))
          .filter(n -> !n.startsWith("dev.eventkit.internal.")).collect(Collectors.toList());
    }
    List<Class<?>> types = new ArrayList<>();
    for (String n : names) {
      types.add(Class.forName(n, false, PublicApiTest.class.getClassLoader()));
    }
    List<String> current = listing(types.stream());
    if (Boolean.getBoolean(UPDATE)) {
      Files.createDirectories(LISTING.getParent());
      Files.write(LISTING, current, StandardCharsets.UTF_8);
      return;
    }
    assertThat(LISTING).as("the committed API listing; create it with -D%s=true", UPDATE).exists();
    List<String> committed = Files.readAllLines(LISTING, StandardCharsets.UTF_8);
    String fix = "if the change is deliberate, run mvn -pl eventkit-core test -Dtest=PublicApiTest -D" + UPDATE
        + "=true and commit " + LISTING.getFileName();
    assertThat(difference(current, committed)).as("public API that the listing lacks; %s", fix).isEmpty();
    assertThat(difference(committed, current)).as("API in the listing that is gone; %s", fix).isEmpty();
    assertThat(current).as("the listing's order; %s", fix).isEqualTo(committed);
  }

  @Test
  void theListingHoldsPublicAndProtectedDeclarationsOnly() {
    List<String> lines =
        listing(Stream.of(ApiListingFixture.class, ApiListingFixture.Nested.class, ApiListingFixture.Hidden.class));
    assertThat(lines).containsExactly(
        "dev.eventkit.architecture.ApiListingFixture protected <T> T "
            + "produce(java.util.List<? extends T>) throws java.io.IOException",
        "dev.eventkit.architecture.ApiListingFixture protected java.lang.String label",
        "dev.eventkit.architecture.ApiListingFixture public ApiListingFixture(int)",
        "dev.eventkit.architecture.ApiListingFixture public abstract class "
            + "dev.eventkit.architecture.ApiListingFixture implements java.lang.Comparable<java.lang.String>",
        "dev.eventkit.architecture.ApiListingFixture public static final int LIMIT",
        "dev.eventkit.architecture.ApiListingFixture$Nested public Nested()",
        "dev.eventkit.architecture.ApiListingFixture$Nested public static final class "
            + "dev.eventkit.architecture.ApiListingFixture$Nested",
        "dev.eventkit.architecture.ApiListingFixture$Nested public void run(java.lang.String...)");
  }

  private static List<String> difference(List<String> a, List<String> b) {
    Set<String> exclude = new HashSet<>(b);
    return a.stream().filter(line -> !exclude.contains(line)).collect(Collectors.toList());
  }

  /** One line for each accessible type and for each of its accessible members, sorted. */
  static List<String> listing(Stream<Class<?>> classes) {
    TreeSet<String> lines = new TreeSet<>();
    classes.filter(PublicApiTest::accessible).forEach(c -> {
      String name = c.getTypeName();
      lines.add(name + " " + declaration(c));
      Stream.of(c.getDeclaredFields(), c.getDeclaredConstructors(), c.getDeclaredMethods()).flatMap(Arrays::stream)
          .filter(m -> !m.isSynthetic() && !(m instanceof Method && ((Method) m).isBridge()))
          .filter(m -> (m.getModifiers() & (Modifier.PUBLIC | Modifier.PROTECTED)) != 0)
          .forEach(m -> lines.add(name + " " + IMPLEMENTATION_MODIFIERS.matcher(genericString(m)).replaceAll("")
              .replace(" " + name + ".", " ")));
    });
    return new ArrayList<>(lines);
  }

  /** Public or protected, and so is every type around it. */
  private static boolean accessible(Class<?> c) {
    for (Class<?> t = c; t != null; t = t.getDeclaringClass()) {
      if ((t.getModifiers() & (Modifier.PUBLIC | Modifier.PROTECTED)) == 0 || t.isAnonymousClass()
          || t.isLocalClass() || t.isSynthetic()) {
        return false;
      }
    }
    return true;
  }

  /** The type with its supertypes: what callers and implementers compile against. */
  private static String declaration(Class<?> c) {
    StringBuilder s = new StringBuilder(c.toGenericString());
    Type superclass = c.getGenericSuperclass();
    if (superclass != null && superclass != Object.class && superclass != Record.class
        && c.getSuperclass() != Enum.class) {
      s.append(" extends ").append(superclass.getTypeName());
    }
    Type[] interfaces = c.getGenericInterfaces();
    if (interfaces.length > 0) {
      s.append(c.isInterface() ? " extends " : " implements ")
          .append(Arrays.stream(interfaces).map(Type::getTypeName).collect(Collectors.joining(", ")));
    }
    if (c.isSealed()) {
      s.append(" permits ")
          .append(Arrays.stream(c.getPermittedSubclasses()).map(Class::getTypeName).collect(Collectors.joining(", ")));
    }
    return s.toString();
  }

  private static String genericString(Member m) {
    if (m instanceof Field) {
      return ((Field) m).toGenericString();
    }
    if (m instanceof Constructor) {
      // A constructor is named by its simple name: Outer$Inner(...) reads as Inner(...).
      String s = ((Executable) m).toGenericString();
      return s.replace(m.getDeclaringClass().getTypeName() + "(", m.getDeclaringClass().getSimpleName() + "(");
    }
    return ((Executable) m).toGenericString();
  }
}
