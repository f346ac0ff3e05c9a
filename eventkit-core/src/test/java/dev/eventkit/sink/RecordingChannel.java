package dev.eventkit.sink;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link FileChannel} over a real one that records forces and can fail: after a byte allowance, writes throw (as
 * a full disk does), and truncation can be made to fail too. {@link Opener} hands these out and logs every open.
 */
final class RecordingChannel extends FileChannel {

  /** Opens real channels wrapped in {@link RecordingChannel}s, remembering what was opened how. */
  static final class Opener implements FileSink.Opener {
    record Open(Path path, Set<OpenOption> options, RecordingChannel channel) {}

    final List<Open> opens = new ArrayList<>();
    /** Bytes the channels opened from now on may write before failing; negative for no limit. */
    final AtomicLong writeAllowance = new AtomicLong(-1);
    volatile boolean failTruncate;

    @Override
    public synchronized FileChannel open(Path path, Set<? extends OpenOption> options) throws IOException {
      RecordingChannel ch = new RecordingChannel(FileChannel.open(path, options), this);
      opens.add(new Open(path, new java.util.HashSet<OpenOption>(options), ch));
      return ch;
    }

    synchronized List<Open> opensOf(Path path) {
      return opens.stream().filter(o -> o.path().equals(path)).toList();
    }

    synchronized int forcesOfFilesIn(Path dir) {
      return opens.stream().filter(o -> !o.path().equals(dir)).mapToInt(o -> o.channel().forces.get()).sum();
    }
  }

  private final FileChannel inner;
  private final Opener opener;
  final AtomicInteger forces = new AtomicInteger();

  private RecordingChannel(FileChannel inner, Opener opener) {
    this.inner = inner;
    this.opener = opener;
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    long allowance = opener.writeAllowance.get();
    if (allowance < 0) {
      return inner.write(src);
    }
    if (allowance == 0) {
      throw new IOException("No space left on device");
    }
    ByteBuffer part = src.slice();
    part.limit((int) Math.min(part.remaining(), allowance));
    int n = inner.write(part);
    src.position(src.position() + n);
    opener.writeAllowance.addAndGet(-n);
    return n;
  }

  @Override
  public FileChannel truncate(long size) throws IOException {
    if (opener.failTruncate) {
      throw new IOException("Input/output error");
    }
    inner.truncate(size);
    return this;
  }

  @Override
  public void force(boolean metaData) throws IOException {
    forces.incrementAndGet();
    inner.force(metaData);
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    return inner.read(dst);
  }

  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    return inner.read(dsts, offset, length);
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    long n = 0;
    for (int i = offset; i < offset + length; i++) {
      n += write(srcs[i]);
    }
    return n;
  }

  @Override
  public long position() throws IOException {
    return inner.position();
  }

  @Override
  public FileChannel position(long newPosition) throws IOException {
    inner.position(newPosition);
    return this;
  }

  @Override
  public long size() throws IOException {
    return inner.size();
  }

  @Override
  public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
    return inner.transferTo(position, count, target);
  }

  @Override
  public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
    return inner.transferFrom(src, position, count);
  }

  @Override
  public int read(ByteBuffer dst, long position) throws IOException {
    return inner.read(dst, position);
  }

  @Override
  public int write(ByteBuffer src, long position) throws IOException {
    return inner.write(src, position);
  }

  @Override
  public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
    return inner.map(mode, position, size);
  }

  @Override
  public FileLock lock(long position, long size, boolean shared) throws IOException {
    return inner.lock(position, size, shared);
  }

  @Override
  public FileLock tryLock(long position, long size, boolean shared) throws IOException {
    return inner.tryLock(position, size, shared);
  }

  @Override
  protected void implCloseChannel() throws IOException {
    inner.close();
  }
}
