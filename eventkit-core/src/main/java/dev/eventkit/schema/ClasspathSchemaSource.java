package dev.eventkit.schema;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Schemas shipped as resources, below a prefix ({@code schemas} by default), in the same layout as
 * {@link DirectorySchemaSource}: {@code schemas/vendor/name/format/1-0-0} (or {@code …/1-0-0.json}) for Iglu URIs,
 * {@code schemas/<relative name>} for relative names.
 *
 * <p>Immutable and thread-safe. Failure modes: a missing resource is not found; a resource that cannot be read
 * throws {@link IOException}. {@link #list()} enumerates directories and jars on the class path, best effort.
 */
public final class ClasspathSchemaSource implements SchemaSource {

  private final String prefix;
  private final ClassLoader loader;

  private ClasspathSchemaSource(String prefix, ClassLoader loader) {
    this.prefix = prefix;
    this.loader = loader;
  }

  /** Resources below {@code schemas/} of this library's class loader. */
  public static ClasspathSchemaSource create() {
    return of("schemas");
  }

  /** Resources below {@code prefix} (no leading or trailing '/'), such as {@code schemas}. */
  public static ClasspathSchemaSource of(String prefix) {
    return of(prefix, ClasspathSchemaSource.class.getClassLoader());
  }

  /** Resources below {@code prefix} of a given class loader. */
  public static ClasspathSchemaSource of(String prefix, ClassLoader loader) {
    Objects.requireNonNull(prefix, "prefix");
    if (prefix.isEmpty() || prefix.startsWith("/") || prefix.endsWith("/")) {
      throw new IllegalArgumentException("a classpath prefix is non-empty, without leading or trailing '/'");
    }
    return new ClasspathSchemaSource(prefix, Objects.requireNonNull(loader, "loader"));
  }

  @Override
  public String name() {
    return "classpath:" + prefix;
  }

  @Override
  public Optional<String> fetch(SchemaUri uri) throws IOException {
    Optional<String> text = read(prefix + "/" + uri.path());
    if (text.isEmpty() && uri.kind() == SchemaUri.Kind.IGLU) {
      text = read(prefix + "/" + uri.path() + ".json");
    }
    return text;
  }

  private Optional<String> read(String resource) throws IOException {
    URL url = loader.getResource(resource);
    if (url == null) {
      return Optional.empty();
    }
    try (InputStream in = url.openStream()) {
      return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @Override
  public List<SchemaUri> list() throws IOException {
    List<SchemaUri> out = new ArrayList<>();
    Enumeration<URL> roots = loader.getResources(prefix);
    while (roots.hasMoreElements()) {
      URL root = roots.nextElement();
      try {
        URI uri = root.toURI();
        if ("file".equals(uri.getScheme())) {
          out.addAll(DirectorySchemaSource.listBelow(Path.of(uri)));
        } else if ("jar".equals(uri.getScheme())) {
          out.addAll(listJar(uri));
        }
      } catch (URISyntaxException | RuntimeException e) {
        // Enumeration is a convenience for humans; a root that cannot be walked is skipped.
      }
    }
    return out;
  }

  private List<SchemaUri> listJar(URI uri) throws IOException {
    FileSystem fs;
    boolean opened = false;
    try {
      fs = FileSystems.newFileSystem(uri, Map.of());
      opened = true;
    } catch (FileSystemAlreadyExistsException e) {
      fs = FileSystems.getFileSystem(uri);
    }
    try {
      return DirectorySchemaSource.listBelow(fs.getPath(prefix));
    } finally {
      if (opened) {
        fs.close();
      }
    }
  }

  @Override
  public String toString() {
    return name();
  }
}
