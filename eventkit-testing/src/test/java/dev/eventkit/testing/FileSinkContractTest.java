package dev.eventkit.testing;

import dev.eventkit.sink.FileSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@link FileSink} keeps the sink contract; what it delivered is read back from its NDJSON files. */
class FileSinkContractTest extends SinkContract<FileSink> {

  @Override
  protected FileSink createSink() {
    return FileSink.builder(tempDir.resolve("events")).name("file").prefix("events").build();
  }

  @Override
  protected List<String> deliveredIds(FileSink sink) throws Exception {
    List<String> ids = new ArrayList<>();
    Path dir = sink.directory();
    if (!Files.isDirectory(dir)) {
      return ids;
    }
    try (var files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".ndjson")).sorted().toList()) {
        ids.addAll(NdjsonIds.of(Files.readString(file, StandardCharsets.UTF_8)));
      }
    }
    return ids;
  }
}
