package dev.eventkit.schema;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Schemas in a local directory: an Iglu URI {@code iglu:v/n/f/1-0-0} is the file {@code root/v/n/f/1-0-0} (the Iglu
 * static-repository layout) or, failing that, {@code root/v/n/f/1-0-0.json}; a relative name is the file of that
 * name below the root.
 *
 * <p>Immutable and thread-safe; reads the file on every fetch (the registry caches). Failure modes: a missing file
 * is not found; any other I/O error is thrown as {@link IOException}. {@link SchemaUri} admits no {@code ..}
 * segment, and the resolved path is checked to stay below the root. Its {@link #name()} and its errors never show
 * the directory's absolute path (they appear in public listings): the name is {@code dir:} and the directory's last
 * component unless given, and errors name the file relative to the root.
 */
public final class DirectorySchemaSource implements SchemaSource {

  private final Path root;
  private final String name;

  private DirectorySchemaSource(Path root, String name) {
    this.root = root.toAbsolutePath().normalize();
    this.name = name;
  }

  /** A source reading below {@code root}, which need not exist yet, named {@code dir:} and its last component. */
  public static DirectorySchemaSource of(Path root) {
    Path last = root.toAbsolutePath().normalize().getFileName();
    return new DirectorySchemaSource(root, "dir:" + (last == null ? "/" : last.toString()));
  }

  /** A source reading below {@code root} under a name of one's choosing (shown in listings and health). */
  public static DirectorySchemaSource of(Path root, String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a schema source name is not blank");
    }
    return new DirectorySchemaSource(root, name);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Optional<String> fetch(SchemaUri uri) throws IOException {
    Optional<String> text = read(root.resolve(uri.path()).normalize());
    if (text.isEmpty() && uri.kind() == SchemaUri.Kind.IGLU) {
      text = read(root.resolve(uri.path() + ".json").normalize());
    }
    return text;
  }

  private Optional<String> read(Path file) throws IOException {
    if (!file.startsWith(root)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (java.nio.charset.MalformedInputException e) {
      throw new IOException("schema file is not UTF-8", e);
    } catch (IOException e) {
      // The exception's own message is the absolute path; name the file below the root instead.
      throw new IOException("cannot read schema file " + root.relativize(file) + " (" + e.getClass().getSimpleName()
          + ")", e);
    }
  }

  @Override
  public List<SchemaUri> list() throws IOException {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    return listBelow(root);
  }

  /** Names every regular file below {@code dir} as a schema URI, skipping names that are not schema names. */
  static List<SchemaUri> listBelow(Path dir) throws IOException {
    List<SchemaUri> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir, 8)) {
      files.filter(Files::isRegularFile).forEach(f -> {
        String rel = dir.relativize(f).toString().replace(f.getFileSystem().getSeparator(), "/");
        SchemaUri uri = SchemaUri.fromPath(rel).orElse(null);
        if (uri != null) {
          out.add(uri);
        }
      });
    }
    return out;
  }

  @Override
  public String toString() {
    return name();
  }
}
