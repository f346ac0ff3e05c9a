package dev.eventkit.schema;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** Wraps a source and counts how often the registry asked it, including attempts that failed. */
final class CountingSource implements SchemaSource {
  final SchemaSource delegate;
  final AtomicInteger fetches = new AtomicInteger();

  CountingSource(SchemaSource delegate) {
    this.delegate = delegate;
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public Optional<String> fetch(SchemaUri uri) throws IOException {
    fetches.incrementAndGet();
    return delegate.fetch(uri);
  }

  @Override
  public List<SchemaUri> list() throws IOException {
    return delegate.list();
  }
}
