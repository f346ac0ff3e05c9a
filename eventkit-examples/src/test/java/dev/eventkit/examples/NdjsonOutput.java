package dev.eventkit.examples;

import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reads what the example collector's file sink wrote. */
final class NdjsonOutput {
  private NdjsonOutput() {}

  /** Every envelope in every {@code .ndjson} file under {@code dir}, in file order. */
  static List<Envelope> read(Path dir) throws IOException {
    List<Envelope> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.toString().endsWith(".ndjson")).sorted().toList();
    }
    for (Path f : files) {
      for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
        if (!line.isEmpty()) {
          out.add(EnvelopeCodec.decode(line.getBytes(StandardCharsets.UTF_8)));
        }
      }
    }
    return out;
  }
}
