package dev.eventkit.testing;

import dev.eventkit.buffer.RetentionPolicy;
import dev.eventkit.buffer.RingBuffer;
import dev.eventkit.buffer.SqliteRingBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** {@link SqliteRingBuffer} keeps the log contract. */
class SqliteRingBufferContractTest extends RingBufferContract {

  @TempDir
  Path dir;

  @Override
  protected RingBuffer create(RetentionPolicy retention) {
    return SqliteRingBuffer.builder(dir.resolve("wal-" + System.nanoTime() + ".db")).retention(retention).build();
  }

  @Override
  protected void prune(RingBuffer log) {
    ((SqliteRingBuffer) log).prune().join();
  }
}
