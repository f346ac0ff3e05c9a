package dev.eventkit.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.buffer.LogRecord;
import dev.eventkit.buffer.RetentionPolicy;
import dev.eventkit.buffer.RingBuffer;
import dev.eventkit.buffer.RingBufferStats;
import dev.eventkit.event.Envelope;
import dev.eventkit.sink.Sink;
import dev.eventkit.sink.WriteResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/** The contract kits fail broken implementations, each on the property it breaks (and pass the good ones). */
class ContractsCatchBrokenImplementationsTest {

  @Test
  void aSinkThatLosesTheLastEventOfABatchFails() {
    assertThat(failures(LosesLastEvent.class)).contains("aBatchReportedDeliveredIsInTheDestinationInFull",
        "writesIssuedBeforeEarlierOnesCompletedAreAllDelivered");
  }

  @Test
  void aSinkWhoseFlushNeverCompletesFails() {
    assertThat(failures(FlushHangs.class)).contains("flushAndShutdownCompleteAndDeliveredEventsStayDelivered",
        "flushAndShutdownCompleteWithNothingWritten");
  }

  @Test
  void aSinkThatClaimsIdempotenceButStoresReplaysFails() {
    assertThat(failures(FalselyIdempotent.class))
        .containsExactly("aReplayStoresEachEventAtLeastOnceOrExactlyOnceWhenIdempotent");
  }

  @Test
  void aSinkThatRefusesOutstandingWritesFails() {
    assertThat(failures(OneWriteAtATime.class)).containsExactly(
        "writesIssuedBeforeEarlierOnesCompletedAreAllDelivered");
  }

  @Test
  void aLogThatForgetsCursorsFails() {
    assertThat(failures(ForgetfulLog.class)).contains("cursorsStartBeforeTheOldestRecordAndOnlyMoveForward");
  }

  @Test
  void aSinkReadBackByCountThatLosesTheLastEventOfABatchFails() {
    assertThat(failures(CountedLosesLastEvent.class)).contains("aBatchReportedDeliveredIsInTheDestinationInFull",
        "writesIssuedBeforeEarlierOnesCompletedAreAllDelivered");
  }

  @Test
  void aCorrectSinkPasses() {
    assertThat(failures(Correct.class)).isEmpty();
    assertThat(failures(CountedCorrect.class)).isEmpty();
  }

  /** Runs a contract subclass and returns the names of the test methods that failed. */
  private static Set<String> failures(Class<?> testClass) {
    LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass))
        .build();
    Set<String> failed = new TreeSet<>();
    Launcher launcher = LauncherFactory.create();
    launcher.execute(request, new TestExecutionListener() {
      @Override
      public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        if (id.isTest() && result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
          failed.add(id.getDisplayName().replace("()", ""));
        }
      }
    });
    return failed;
  }

  /** A list-backed sink whose behaviour each broken variant bends. */
  abstract static class ListSinkContract extends SinkContract<Sink> {
    final List<String> stored = new ArrayList<>();

    @Override
    protected List<String> deliveredIds(Sink sink) {
      synchronized (stored) {
        return List.copyOf(stored);
      }
    }

    @Override
    protected Duration timeout() {
      return Duration.ofMillis(500);
    }

    Sink sink(java.util.function.Function<List<Envelope>, CompletableFuture<WriteResult>> write) {
      return new Sink() {
        @Override
        public String name() {
          return "list";
        }

        @Override
        public CompletableFuture<WriteResult> write(List<Envelope> batch) {
          return write.apply(batch);
        }
      };
    }

    CompletableFuture<WriteResult> store(List<Envelope> batch) {
      synchronized (stored) {
        batch.forEach(e -> stored.add(e.id()));
      }
      return CompletableFuture.completedFuture(WriteResult.success());
    }
  }

  static class Correct extends ListSinkContract {
    @Override
    protected Sink createSink() {
      return sink(this::store);
    }
  }

  static class LosesLastEvent extends ListSinkContract {
    @Override
    protected Sink createSink() {
      return sink(batch -> store(batch.subList(0, batch.size() - 1)));
    }
  }

  /** A correct sink whose destination is read back by count only. */
  static class CountedCorrect extends Correct {
    @Override
    protected boolean readsIds() {
      return false;
    }

    @Override
    protected long deliveredCount(Sink sink) {
      synchronized (stored) {
        return stored.size();
      }
    }
  }

  static class CountedLosesLastEvent extends CountedCorrect {
    @Override
    protected Sink createSink() {
      return sink(batch -> store(batch.subList(0, batch.size() - 1)));
    }
  }

  static class FlushHangs extends ListSinkContract {
    @Override
    protected Sink createSink() {
      Sink inner = sink(this::store);
      return new Sink() {
        @Override
        public String name() {
          return inner.name();
        }

        @Override
        public CompletableFuture<WriteResult> write(List<Envelope> batch) {
          return inner.write(batch);
        }

        @Override
        public CompletableFuture<Void> flush() {
          return new CompletableFuture<>();
        }
      };
    }
  }

  static class FalselyIdempotent extends ListSinkContract {
    @Override
    protected Sink createSink() {
      return sink(this::store);
    }

    @Override
    protected boolean idempotent() {
      return true;
    }
  }

  static class OneWriteAtATime extends ListSinkContract {
    @Override
    protected Sink createSink() {
      List<CompletableFuture<WriteResult>> pending = new ArrayList<>();
      return sink(batch -> {
        if (!pending.isEmpty() && !pending.get(pending.size() - 1).isDone()) {
          throw new IllegalStateException("a write is outstanding");
        }
        // Completes shortly afterwards, as a sink waiting on its destination does.
        CompletableFuture<WriteResult> f = CompletableFuture.supplyAsync(() -> store(batch).join(),
            CompletableFuture.delayedExecutor(20, java.util.concurrent.TimeUnit.MILLISECONDS));
        pending.add(f);
        return f;
      });
    }
  }

  static class ForgetfulLog extends RingBufferContract {
    @Override
    protected RingBuffer create(RetentionPolicy retention) {
      InMemoryRingBuffer log = new InMemoryRingBuffer(retention);
      return new RingBuffer() {
        @Override
        public CompletableFuture<Long> append(List<Envelope> batch) {
          return log.append(batch);
        }

        @Override
        public List<LogRecord> read(long afterSequence, int max) {
          return log.read(afterSequence, max);
        }

        @Override
        public long openCursor(String consumer) {
          log.openCursor(consumer);
          return 0;
        }

        @Override
        public CompletableFuture<Void> commit(String consumer, long upToSequence) {
          return log.commit(consumer, upToSequence);
        }

        @Override
        public CompletableFuture<Void> dropCursor(String consumer) {
          return log.dropCursor(consumer);
        }

        @Override
        public java.util.Map<String, Long> cursors() {
          return log.cursors();
        }

        @Override
        public long lastSequence() {
          return log.lastSequence();
        }

        @Override
        public void onAppend(Runnable listener) {
          log.onAppend(listener);
        }

        @Override
        public RingBufferStats stats() {
          return log.stats();
        }

        @Override
        public void close() {
          log.close();
        }
      };
    }

    @Override
    protected void prune(RingBuffer log) {}
  }
}
