package dev.eventkit.sink;

import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends envelopes as newline-delimited JSON (one {@link EnvelopeCodec} object a line) to files in a directory,
 * starting a new file when the current one reaches a size or an age. Files are named
 * {@code events-<UTC start time>-<n>.ndjson}, so they sort in write order; the newest one is being written.
 *
 * <p>Durability: a write completes after its lines reached the file and (by default) were forced to disk, because
 * success advances the sink's cursor. A process killed mid-write can leave a partial last line; on start the sink
 * cuts any file back to its last complete line, and the log re-delivers what was cut.
 *
 * <p>Thread-safe: writes are serialised. I/O errors are reported as retryable failures.
 */
public final class FileSink implements Sink {

  private static final Logger LOG = LoggerFactory.getLogger(FileSink.class);
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final String name;
  private final Path directory;
  private final String prefix;
  private final long maxFileBytes;
  private final Duration maxFileAge;
  private final boolean forceToDisk;
  private final Clock clock;

  private FileChannel current;
  private long currentBytes;
  private long currentOpenedMillis;
  private int counter;

  private FileSink(Builder b) {
    this.name = b.name;
    this.directory = b.directory;
    this.prefix = b.prefix;
    this.maxFileBytes = b.maxFileBytes;
    this.maxFileAge = b.maxFileAge;
    this.forceToDisk = b.forceToDisk;
    this.clock = b.clock;
    try {
      Files.createDirectories(directory);
      repairPartialLines();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the file sink directory " + directory, e);
    }
  }

  /** A sink named {@code file} writing to {@code directory} with default rotation (64 MiB or 1 hour). */
  public static FileSink to(Path directory) {
    return builder(directory).build();
  }

  public static Builder builder(Path directory) {
    return new Builder(directory);
  }

  @Override
  public String name() {
    return name;
  }

  /** The directory the files are written to. */
  public Path directory() {
    return directory;
  }

  @Override
  public synchronized CompletableFuture<WriteResult> write(List<Envelope> batch) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(512 * batch.size());
    for (Envelope e : batch) {
      EnvelopeCodec.writeTo(e, buf);
      buf.write('\n');
    }
    try {
      rotateIfDue();
      ByteBuffer bytes = ByteBuffer.wrap(buf.toByteArray());
      while (bytes.hasRemaining()) {
        current.write(bytes);
      }
      if (forceToDisk) {
        current.force(false);
      }
      currentBytes += buf.size();
      return CompletableFuture.completedFuture(WriteResult.success());
    } catch (IOException e) {
      LOG.warn("file sink {} cannot write: {}", name, e.getMessage());
      closeCurrent();
      return CompletableFuture.completedFuture(WriteResult.failed(Failure.retryable("file write failed")));
    }
  }

  private void rotateIfDue() throws IOException {
    long now = clock.millis();
    if (current != null && (currentBytes >= maxFileBytes || now - currentOpenedMillis >= maxFileAge.toMillis())) {
      closeCurrent();
    }
    if (current == null) {
      Path file;
      do {
        file = directory.resolve(prefix + "-" + STAMP.format(clock.instant()) + "-" + (counter++) + ".ndjson");
      } while (Files.exists(file));
      current = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      currentBytes = 0;
      currentOpenedMillis = now;
    }
  }

  private void closeCurrent() {
    if (current != null) {
      try {
        current.close();
      } catch (IOException e) {
        LOG.warn("file sink {} cannot close its file: {}", name, e.getMessage());
      }
      current = null;
    }
  }

  /** Cuts each file back to its last newline, so that a line cut short by a crash never reaches a reader. */
  private void repairPartialLines() throws IOException {
    for (Path file : files()) {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        long size = ch.size();
        long keep = size;
        ByteBuffer one = ByteBuffer.allocate(1);
        while (keep > 0) {
          one.clear();
          ch.read(one, keep - 1);
          if (one.get(0) == '\n') {
            break;
          }
          keep--;
        }
        if (keep < size) {
          ch.truncate(keep);
          ch.force(true);
          LOG.warn("file sink {} cut {} byte(s) of an unfinished line from {}", name, size - keep,
              file.getFileName());
        }
      }
    }
  }

  /** The sink's files, oldest first. */
  public List<Path> files() throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(directory, prefix + "-*.ndjson")) {
      ds.forEach(out::add);
    }
    out.sort(null);
    return out;
  }

  @Override
  public synchronized CompletableFuture<Void> flush() {
    try {
      if (current != null) {
        current.force(false);
      }
      return CompletableFuture.completedFuture(null);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public synchronized void close() {
    closeCurrent();
  }

  /**
   * Configures a {@link FileSink}; not thread-safe. Defaults: name {@code file}, prefix {@code events}, rotation at
   * 64 MiB or 1 hour, each write forced to disk.
   */
  public static final class Builder {
    private final Path directory;
    private String name = "file";
    private String prefix = "events";
    private long maxFileBytes = 64L * 1024 * 1024;
    private Duration maxFileAge = Duration.ofHours(1);
    private boolean forceToDisk = true;
    private Clock clock = Clock.systemUTC();

    private Builder(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
    }

    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    public Builder prefix(String prefix) {
      this.prefix = Objects.requireNonNull(prefix, "prefix");
      return this;
    }

    public Builder maxFileBytes(long bytes) {
      this.maxFileBytes = bytes;
      return this;
    }

    public Builder maxFileAge(Duration age) {
      this.maxFileAge = Objects.requireNonNull(age, "maxFileAge");
      return this;
    }

    /** Whether each write is forced to disk before it completes (survives power loss, costs an fdatasync). */
    public Builder forceToDisk(boolean force) {
      this.forceToDisk = force;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Creates the directory if needed; throws {@link IllegalArgumentException} for bad limits. */
    public FileSink build() {
      if (maxFileBytes < 1 || maxFileAge.isNegative() || maxFileAge.isZero()) {
        throw new IllegalArgumentException("maxFileBytes and maxFileAge must be positive");
      }
      if (prefix.isEmpty() || prefix.contains("/")) {
        throw new IllegalArgumentException("prefix must be a plain, non-empty file name part");
      }
      return new FileSink(this);
    }
  }
}
