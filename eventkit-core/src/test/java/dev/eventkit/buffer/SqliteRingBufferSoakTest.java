package dev.eventkit.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.eventkit.event.Envelope;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log alone under churn: restarted every few seconds with aggressive retention (keep 100 consumed events,
 * clean up every second, and once more right after each restart, before any consumer has opened its cursor),
 * appends from 4 threads, one consumer that does not commit for the first half of the run and one that commits
 * continuously. At the end each consumer must have read every acknowledged event, in sequence order, with no gap and
 * nothing else. Runs 30 s by default; {@code -Deventkit.soak.seconds=N} changes that.
 */
class SqliteRingBufferSoakTest {

  private static final int APPENDERS = 4;
  private static final Duration RESTART_EVERY = Duration.ofMillis(2_500);
  /** How far appends may run ahead of each consumer, so that the final catch-up stays short. */
  private static final int AHEAD = 20_000;

  @TempDir
  Path dir;

  private final ReentrantReadWriteLock swap = new ReentrantReadWriteLock();
  private volatile SqliteRingBuffer current;
  private volatile boolean appending = true;
  private volatile boolean consuming = true;
  private final Semaphore stalledCredit = new Semaphore(AHEAD);
  private final Semaphore steadyCredit = new Semaphore(AHEAD);

  private SqliteRingBuffer open(Path file) {
    return SqliteRingBuffer.builder(file).retention(RetentionPolicy.builder().maxRetainedEvents(100)
        .cleanupInterval(Duration.ofSeconds(1)).build()).build();
  }

  @Test
  void everyAcknowledgedEventIsReadInOrderByEveryConsumerThroughRestartsAndRetention() throws Exception {
    long seconds = Long.getLong("eventkit.soak.seconds", 30);
    Path file = dir.resolve("soak.db");
    current = open(file);
    long started = System.nanoTime();
    long stallUntil = started + TimeUnit.SECONDS.toNanos(seconds) / 2;

    List<List<String>> acknowledged = new ArrayList<>();
    AtomicLong refused = new AtomicLong();
    List<Thread> appenders = new ArrayList<>();
    for (int t = 0; t < APPENDERS; t++) {
      List<String> mine = new ArrayList<>();
      acknowledged.add(mine);
      int thread = t;
      appenders.add(start("appender-" + t, () -> append(thread, mine, refused)));
    }
    Consumer stalled = new Consumer("stalled", stallUntil, stalledCredit);
    Consumer steady = new Consumer("steady", 0, steadyCredit);
    List<Thread> consumers = List.of(start("consumer-stalled", stalled), start("consumer-steady", steady));

    CountDownLatch runEnds = new CountDownLatch(1);
    int restarts = 0;
    long deadline = started + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      runEnds.await(RESTART_EVERY.toMillis(), TimeUnit.MILLISECONDS);
      restart(file);
      restarts++;
    }
    appending = false;
    for (Thread t : appenders) {
      t.join(TimeUnit.SECONDS.toMillis(30));
    }
    long appendSeconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
    restart(file);
    restarts++;
    long last = current.lastSequence();
    await().atMost(Duration.ofSeconds(60)).until(() -> !stalled.failures.isEmpty() || !steady.failures.isEmpty()
        || stalled.seen.size() == last && steady.seen.size() == last
            && current.cursors().values().stream().allMatch(c -> c == last));
    consuming = false;
    for (Thread t : consumers) {
      t.join(TimeUnit.SECONDS.toMillis(30));
    }
    current.prune().join();
    RingBufferStats stats = current.stats();
    current.close();

    Set<String> expected = new HashSet<>();
    long total = 0;
    for (List<String> mine : acknowledged) {
      expected.addAll(mine);
      total += mine.size();
    }
    System.out.printf("soak: %d s, %d restarts, %d events acknowledged (%d/s), %d appends refused, %d records "
        + "re-read after restarts by the stalled consumer and %d by the steady one, %d retained at the end%n",
        appendSeconds, restarts, total, total / appendSeconds, refused.get(), stalled.reread.get(),
        steady.reread.get(), stats.retainedEvents());
    assertThat(stalled.failures).isEmpty();
    assertThat(steady.failures).isEmpty();
    assertThat(refused.get()).isZero();
    assertThat(total).isEqualTo(last).isGreaterThan(1_000);
    for (Consumer c : List.of(stalled, steady)) {
      assertThat(new HashSet<>(c.seen)).as(c.name).hasSize(c.seen.size()).isEqualTo(expected);
      for (List<String> mine : acknowledged) {
        // Each appender waited for every append, so its events are in the log in the order it sent them.
        Set<String> ofThread = new HashSet<>(mine);
        assertThat(c.seen.stream().filter(ofThread::contains).toList()).as(c.name).isEqualTo(mine);
      }
    }
    assertThat(stalled.reread.get()).isPositive();
    assertThat(stats.retainedEvents()).isEqualTo(100);
  }

  private static Thread start(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Closes the log and opens it again; retention runs before any consumer can open its cursor. */
  private void restart(Path file) {
    swap.writeLock().lock();
    try {
      current.close();
      current = open(file);
      current.prune().join();
    } finally {
      swap.writeLock().unlock();
    }
  }

  private void append(int thread, List<String> acknowledged, AtomicLong refused) {
    int next = 0;
    while (appending) {
      int size = ThreadLocalRandom.current().nextInt(1, 21);
      if (!takeCredit(size)) {
        continue;
      }
      List<Envelope> batch = new ArrayList<>(size);
      List<String> ids = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        String id = "t" + thread + "-" + next++;
        ids.add(id);
        batch.add(Envelope.builder().id(id).protocol("soak")
            .payloadJson("{\"n\":" + next + ",\"x\":0.10000000000000000000001}").build());
      }
      java.util.concurrent.CompletableFuture<Long> appended;
      swap.readLock().lock();
      try {
        appended = current.append(batch);
      } finally {
        swap.readLock().unlock();
      }
      try {
        appended.get(30, TimeUnit.SECONDS);
        acknowledged.addAll(ids);
      } catch (ExecutionException e) {
        refused.incrementAndGet();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private boolean takeCredit(int events) {
    try {
      if (!stalledCredit.tryAcquire(events, 100, TimeUnit.MILLISECONDS)) {
        return false;
      }
      if (!steadyCredit.tryAcquire(events, 100, TimeUnit.MILLISECONDS)) {
        stalledCredit.release(events);
        return false;
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      appending = false;
      return false;
    }
  }

  /** Reads the log through one cursor, checking every record against what it has seen before. */
  private final class Consumer implements Runnable {
    final String name;
    final long commitFromNanos;
    final List<String> seen = new ArrayList<>();
    final List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    final AtomicLong reread = new AtomicLong();
    final Semaphore appended = new Semaphore(0);
    final Semaphore credit;
    SqliteRingBuffer openedOn;
    long position;

    Consumer(String name, long commitFromNanos, Semaphore credit) {
      this.name = name;
      this.commitFromNanos = commitFromNanos;
      this.credit = credit;
    }

    @Override
    public void run() {
      while (consuming) {
        int read;
        swap.readLock().lock();
        try {
          read = step();
        } catch (RuntimeException e) {
          failures.add(e.toString());
          return;
        } finally {
          swap.readLock().unlock();
        }
        if (read == 0) {
          try {
            appended.tryAcquire(50, TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    }

    private int step() {
      SqliteRingBuffer log = current;
      if (log != openedOn) {
        position = log.openCursor(name);
        openedOn = log;
        log.onAppend(appended::release);
      }
      List<LogRecord> records = log.read(position, 500);
      for (LogRecord r : records) {
        long seq = r.sequence();
        if (r.isUndecodable()) {
          throw new IllegalStateException(name + " read an undecodable record: " + r);
        } else if (seq <= seen.size()) {
          reread.incrementAndGet();
          if (!seen.get((int) seq - 1).equals(r.envelope().id())) {
            throw new IllegalStateException(name + " read record " + seq + " changed");
          }
        } else if (seq != seen.size() + 1) {
          throw new IllegalStateException(name + " expected record " + (seen.size() + 1) + " but read " + seq);
        } else {
          seen.add(r.envelope().id());
          credit.release();
        }
        position = seq;
      }
      if (!records.isEmpty() && System.nanoTime() >= commitFromNanos) {
        log.commit(name, position);
      }
      return records.size();
    }
  }
}
