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
 * segment, and the resolved path is checked to stay below the root.
 */
public final class DirectorySchemaSource implements SchemaSource {

  private final Path root;

  private DirectorySchemaSource(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  /** A source reading below {@code root}, which need not exist yet. */
  public static DirectorySchemaSource of(Path root) {
    return new DirectorySchemaSource(root);
  }

  @Override
  public String name() {
    return "dir:" + root;
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
