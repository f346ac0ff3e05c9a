package dev.eventkit.schema;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * One place schemas come from: the classpath, a directory, an Iglu-compatible HTTP server, or anything else a
 * deployment adds (a cloud bucket). A {@link SchemaRegistry} consults its sources in priority order and caches
 * what they return; a source itself need not cache.
 *
 * <p>Thread-safety: implementations are called concurrently and must be thread-safe. Failure modes: a schema the
 * source does not hold is {@link Optional#empty()}; a source that cannot answer (down, timing out, answering
 * garbage) throws {@link IOException}, which the registry records in its health and answers from its cache.
 * Implementations must not throw anything else for any {@link SchemaUri}.
 */
public interface SchemaSource {

  /** A short name for health reports and listings, such as {@code classpath:schemas}; never a secret. */
  String name();

  /**
   * The schema document's JSON text, or empty when this source does not hold it.
   *
   * @throws IOException when the source cannot answer now
   */
  Optional<String> fetch(SchemaUri uri) throws IOException;

  /**
   * The schemas this source can enumerate, for {@code GET /schemas}; empty when it cannot enumerate (the default).
   *
   * @throws IOException when the source cannot answer now
   */
  default List<SchemaUri> list() throws IOException {
    return List.of();
  }
}
