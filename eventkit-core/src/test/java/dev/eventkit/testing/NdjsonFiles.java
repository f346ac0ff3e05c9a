package dev.eventkit.testing;

import dev.eventkit.event.EnvelopeCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reads back what a {@code FileSink} wrote, as a test that killed its writer must: complete lines only. */
public final class NdjsonFiles {

  private NdjsonFiles() {}

  /** Ids in a file sink's directory, one per complete line (a line cut by a kill is skipped). */
  public static List<String> completeLineIds(Path dir) throws IOException {
    List<String> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".ndjson")).sorted().toList();
    }
    for (Path f : files) {
      String text = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
      int end = text.lastIndexOf('\n');
      if (end < 0) {
        continue;
      }
      for (String line : text.substring(0, end).split("\n")) {
        out.add(EnvelopeCodec.decode(line.getBytes(StandardCharsets.UTF_8)).id());
      }
    }
    return out;
  }
}
