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
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends envelopes as newline-delimited JSON (one {@link EnvelopeCodec} object a line) to files in a directory,
 * starting a new file when the current one reaches a size or an age, and at each start.
 *
 * <p>Names: {@code <prefix>-<UTC start time>-<n>.ndjson}, {@code n} zero-padded to six digits and counting the
 * files started within the same second. The time never goes back from one file to the next (it is held at the
 * newest existing file's when the clock steps back, and names continue after the newest file across restarts),
 * so a plain listing sorts the files in write order; the newest one is being written.
 *
 * <p>Durability: a write completes after its lines reached the file and were forced to disk, because success
 * advances the sink's cursor; a new file's directory entry is forced too before anything is written to it. With
 * {@link Builder#fsyncInterval(Duration)} a write forces only when the last force is older than the interval (and
 * {@link #flush()}, rotation and {@link #close()} force): a process crash loses nothing either way, but a power
 * loss may lose writes of up to that interval, already acknowledged, so their events are not delivered again.
 * {@link Builder#forceToDisk(boolean) forceToDisk(false)} never forces.
 *
 * <p>Partial lines: a write that fails midway (a full disk, an I/O error) is cut back at once to the last
 * complete line; if even that fails, the cut is made before the next write, which fails until it succeeds. A
 * process killed mid-write can leave a partial last line: on start the sink checks every file's end (reading
 * only) and cuts a partial line off; the log re-delivers what was cut. A file it cannot open for writing (read-only,
 * owned by another user) is left alone with a warning and never stops the sink from starting: the sink only ever
 * appends to files it creates.
 *
 * <p>Thread-safe: writes are serialised. I/O errors are reported as retryable failures.
 */
public final class FileSink implements Sink {

  private static final Logger LOG = LoggerFactory.getLogger(FileSink.class);
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final Set<OpenOption> CREATE = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
  private static final Set<OpenOption> READ = Set.of(StandardOpenOption.READ);
  private static final Set<OpenOption> READ_WRITE = Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE);

  /** Opens the sink's files and its directory; tests substitute one that injects faults or records calls. */
  @FunctionalInterface
  interface Opener {
    FileChannel open(Path path, Set<? extends OpenOption> options) throws IOException;
  }

  private final String name;
  private final Path directory;
  private final String prefix;
  private final Pattern fileName;
  private final long maxFileBytes;
  private final Duration maxFileAge;
  private final boolean forceToDisk;
  private final long fsyncIntervalNanos;
  private final Clock clock;
  private final Opener opener;

  private FileChannel current;
  private Path currentPath;
  private long currentBytes;
  private long currentOpenedMillis;
  /** Whether the current file holds written data not yet forced to disk. */
  private boolean unforced;
  private long lastForceNanos;
  private boolean forcedOnce;
  /** Files left with a torn tail by a failed write whose cut failed too: file → length of its complete lines. */
  private final Map<Path, Long> pendingCuts = new LinkedHashMap<>();
  private String lastStamp;
  private int lastCounter;
  private boolean warnedDirectorySync;

  private FileSink(Builder b) {
    this.name = b.name;
    this.directory = b.directory;
    this.prefix = b.prefix;
    this.fileName = Pattern.compile(Pattern.quote(prefix) + "-(\\d{8}T\\d{6}Z)-(\\d+)\\.ndjson");
    this.maxFileBytes = b.maxFileBytes;
    this.maxFileAge = b.maxFileAge;
    this.forceToDisk = b.forceToDisk;
    this.fsyncIntervalNanos = b.fsyncInterval.toNanos();
    this.clock = b.clock;
    this.opener = b.opener;
    List<Path> existing;
    try {
      Files.createDirectories(directory);
      existing = files();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the file sink directory " + directory, e);
    }
    for (Path file : existing) {
      cutPartialLine(file);
    }
    if (!existing.isEmpty()) {
      Matcher m = fileName.matcher(existing.get(existing.size() - 1).getFileName().toString());
      if (m.matches()) {
        lastStamp = m.group(1);
        lastCounter = Integer.parseInt(m.group(2));
      }
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
    LineBuffer buf = new LineBuffer(512 * batch.size());
    for (Envelope e : batch) {
      EnvelopeCodec.writeTo(e, buf);
      buf.write('\n');
    }
    long goodLength = -1;
    try {
      makePendingCuts();
      rotateIfDue();
      goodLength = currentBytes;
      ByteBuffer bytes = buf.asByteBuffer();
      while (bytes.hasRemaining()) {
        current.write(bytes);
      }
      currentBytes += buf.size();
      unforced = true;
      forceIfDue();
      return CompletableFuture.completedFuture(WriteResult.success());
    } catch (IOException e) {
      LOG.warn("file sink {} cannot write: {}", name, e.getMessage());
      abandonCurrent(goodLength);
      return CompletableFuture.completedFuture(WriteResult.failed(Failure.retryable("file write failed")));
    }
  }

  /** The batch's lines, handed to the channel without copying them out first. */
  private static final class LineBuffer extends ByteArrayOutputStream {
    LineBuffer(int size) {
      super(size);
    }

    ByteBuffer asByteBuffer() {
      return ByteBuffer.wrap(buf, 0, count);
    }
  }

  private void forceIfDue() throws IOException {
    if (!forceToDisk) {
      return;
    }
    long now = System.nanoTime();
    if (fsyncIntervalNanos == 0 || !forcedOnce || now - lastForceNanos >= fsyncIntervalNanos) {
      forceCurrent();
    }
  }

  private void forceCurrent() throws IOException {
    if (current != null && unforced) {
      current.force(false);
      unforced = false;
      forcedOnce = true;
      lastForceNanos = System.nanoTime();
    }
  }

  /**
   * After a failed write: cuts the current file back to its complete lines at once (or remembers to, before the
   * next write) and closes it, so that no reader ever sees the torn line and the retry starts a new file.
   */
  private void abandonCurrent(long goodLength) {
    if (current == null) {
      return;
    }
    if (goodLength >= 0) {
      try {
        if (current.size() > goodLength) {
          current.truncate(goodLength);
          current.force(false);
        }
      } catch (IOException e) {
        pendingCuts.put(currentPath, goodLength);
        LOG.warn("file sink {} cannot cut the unfinished line from {} now ({}); it is cut before the next write",
            name, currentPath.getFileName(), e.getMessage());
      }
    }
    if (forceToDisk && unforced) {
      try {
        current.force(false); // what earlier writes acknowledged under an fsync interval
      } catch (IOException ignored) {
        // The file is being given up after an I/O error; the failure was reported.
      }
    }
    unforced = false;
    closeCurrent();
  }

  /** Makes the cuts a failed write could not make; throws (failing the write) while one still fails. */
  private void makePendingCuts() throws IOException {
    for (var it = pendingCuts.entrySet().iterator(); it.hasNext();) {
      Map.Entry<Path, Long> cut = it.next();
      try (FileChannel ch = opener.open(cut.getKey(), Set.of(StandardOpenOption.WRITE))) {
        if (ch.size() > cut.getValue()) {
          ch.truncate(cut.getValue());
          ch.force(false);
        }
      }
      it.remove();
      LOG.info("file sink {} cut the unfinished line from {}", name, cut.getKey().getFileName());
    }
  }

  private void rotateIfDue() throws IOException {
    long now = clock.millis();
    if (current != null && (currentBytes >= maxFileBytes || now - currentOpenedMillis >= maxFileAge.toMillis())) {
      forceCurrent();
      closeCurrent();
    }
    if (current == null) {
      String stamp = STAMP.format(clock.instant());
      int counter = 0;
      if (lastStamp != null && stamp.compareTo(lastStamp) <= 0) {
        // The same second as the newest file, or a clock that stepped back: keep sorting after it.
        stamp = lastStamp;
        counter = lastCounter + 1;
      }
      Path file;
      while (Files.exists(file = directory.resolve(String.format("%s-%s-%06d.ndjson", prefix, stamp, counter)))) {
        counter++;
      }
      current = opener.open(file, CREATE);
      currentPath = file;
      lastStamp = stamp;
      lastCounter = counter;
      currentBytes = 0;
      currentOpenedMillis = now;
      unforced = false;
      if (forceToDisk) {
        syncDirectory();
      }
    }
  }

  /** Forces the directory, so that a new file's entry survives a power loss along with what is written to it. */
  private void syncDirectory() throws IOException {
    FileChannel dir;
    try {
      dir = opener.open(directory, READ);
    } catch (IOException | UnsupportedOperationException e) {
      // Some platforms (Windows) cannot open a directory; there the file system orders this by itself.
      if (!warnedDirectorySync) {
        warnedDirectorySync = true;
        LOG.warn("file sink {} cannot force its directory on this platform ({}); new files rely on the file "
            + "system to record them", name, e.getClass().getSimpleName());
      }
      return;
    }
    try (dir) {
      dir.force(true);
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
      currentPath = null;
    }
  }

  /**
   * Cuts a file back to its last newline, so that a line cut short by a crash never reaches a reader. The end is
   * checked read-only: only a file that needs the cut is opened for writing, and one that cannot be is left alone
   * with a warning.
   */
  private void cutPartialLine(Path file) {
    long size;
    long keep;
    try (FileChannel ch = opener.open(file, READ)) {
      size = ch.size();
      keep = completeLength(ch, size);
    } catch (IOException e) {
      LOG.warn("file sink {} cannot read {} to check its last line; left alone: {}", name, file.getFileName(),
          e.getMessage());
      return;
    }
    if (keep == size) {
      return;
    }
    try (FileChannel ch = opener.open(file, READ_WRITE)) {
      ch.truncate(keep);
      ch.force(true);
      LOG.warn("file sink {} cut {} byte(s) of an unfinished line from {}", name, size - keep, file.getFileName());
    } catch (IOException e) {
      LOG.warn("file sink {} cannot cut the unfinished last line ({} byte(s)) of {}, which it cannot write: {}",
          name, size - keep, file.getFileName(), e.getMessage());
    }
  }

  /** The length of the file up to and including its last newline (0 when it holds none). */
  private static long completeLength(FileChannel ch, long size) throws IOException {
    ByteBuffer chunk = ByteBuffer.allocate(8192);
    long end = size;
    while (end > 0) {
      long start = Math.max(0, end - chunk.capacity());
      chunk.clear().limit((int) (end - start));
      while (chunk.hasRemaining()) {
        if (ch.read(chunk, start + chunk.position()) < 0) {
          throw new IOException("file shrank while being read");
        }
      }
      for (int i = (int) (end - start) - 1; i >= 0; i--) {
        if (chunk.get(i) == '\n') {
          return start + i + 1;
        }
      }
      end = start;
    }
    return 0;
  }

  /** The sink's files, oldest first. */
  public List<Path> files() throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(directory, prefix + "-*.ndjson")) {
      ds.forEach(out::add);
    }
    // By start time and counter, so that files named before counters were zero-padded sort right as well.
    out.sort(Comparator.comparing((Path p) -> sortKey(p)).thenComparing(p -> p.getFileName().toString()));
    return out;
  }

  private String sortKey(Path p) {
    Matcher m = fileName.matcher(p.getFileName().toString());
    return m.matches() ? m.group(1) + String.format("%020d", Long.parseLong(m.group(2))) : "";
  }

  @Override
  public synchronized CompletableFuture<Void> flush() {
    try {
      forceCurrent();
      return CompletableFuture.completedFuture(null);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public synchronized void close() {
    if (forceToDisk) {
      try {
        forceCurrent();
      } catch (IOException e) {
        LOG.warn("file sink {} cannot force its file on close: {}", name, e.getMessage());
      }
    }
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
    private Duration fsyncInterval = Duration.ZERO;
    private Clock clock = Clock.systemUTC();
    private Opener opener = (path, options) -> FileChannel.open(path, options);

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

    /** Whether writes are forced to disk at all (survives power loss, costs an fdatasync); true by default. */
    public Builder forceToDisk(boolean force) {
      this.forceToDisk = force;
      return this;
    }

    /**
     * The least time between two forces (zero by default: every write is forced before it completes). A longer
     * interval trades durability for throughput: writes within it complete unforced, so a power loss (not a
     * process crash) may lose up to this much acknowledged data, which the log will not deliver again.
     */
    public Builder fsyncInterval(Duration interval) {
      this.fsyncInterval = Objects.requireNonNull(interval, "fsyncInterval");
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    Builder opener(Opener opener) {
      this.opener = Objects.requireNonNull(opener, "opener");
      return this;
    }

    /** Creates the directory if needed; throws {@link IllegalArgumentException} for bad limits. */
    public FileSink build() {
      if (maxFileBytes < 1 || maxFileAge.isNegative() || maxFileAge.isZero()) {
        throw new IllegalArgumentException("maxFileBytes and maxFileAge must be positive");
      }
      if (fsyncInterval.isNegative()) {
        throw new IllegalArgumentException("fsyncInterval must be >= 0");
      }
      if (prefix.isEmpty() || prefix.contains("/")) {
        throw new IllegalArgumentException("prefix must be a plain, non-empty file name part");
      }
      return new FileSink(this);
    }
  }
}
