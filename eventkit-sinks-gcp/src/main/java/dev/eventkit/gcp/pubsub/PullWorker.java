package dev.eventkit.gcp.pubsub;

import com.google.api.core.ApiFuture;
import com.google.api.gax.rpc.StatusCode;
import com.google.cloud.pubsub.v1.SubscriptionAdminClient;
import com.google.pubsub.v1.PullRequest;
import com.google.pubsub.v1.PullResponse;
import com.google.pubsub.v1.ReceivedMessage;
import dev.eventkit.event.Envelope;
import dev.eventkit.internal.delivery.WorkerTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pull loop of a worker process: pulls a batch of messages, hands the envelopes to every sink, keeps the
 * messages leased while the sinks work (retries can take long), and acknowledges them only when every sink
 * delivered or dead-lettered its share. If the process dies first, the lease runs out and Pub/Sub redelivers the
 * messages — to this or another worker — which idempotent sinks absorb.
 *
 * <p>Flow control: a loop holds one pulled batch at a time, of at most {@code maxMessages} messages and
 * {@code maxBytes} bytes (at least one message), so a worker process holds at most {@code loops × maxBytes} of
 * messages. Pub/Sub's pull takes only a message count: the loop asks for as many messages as fit in
 * {@code maxBytes} at the average size of the last pull, and hands back at once (ack deadline 0) what a pull
 * returned beyond {@code maxBytes}.
 *
 * <p>Thread-safety: {@link #run} runs on one thread; {@link #stop} and {@link #abandon} may be called from any.
 */
final class PullWorker implements Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(PullWorker.class);
  private static final int ACK_CHUNK = 500;
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

  private final PubSubConnection connection;
  private final SubscriptionAdminClient client;
  private final String subscription;
  private final String subscriptionPath;
  private final String topic;
  private final Duration ackDeadline;
  private final boolean createIfMissing;
  private final int maxMessages;
  private final long maxBytes;
  private final List<WorkerTarget> targets;
  /** How many messages the next pull asks for; adapted to the message size. Loop thread only. */
  private int nextPull;

  private volatile boolean running = true;
  private volatile boolean abandoned;
  private volatile ApiFuture<PullResponse> currentPull;
  private volatile Thread thread;

  PullWorker(PubSubConnection connection, SubscriptionAdminClient client, String subscription, String topic,
      Duration ackDeadline, boolean createIfMissing, int maxMessages, long maxBytes, List<WorkerTarget> targets) {
    this.connection = connection;
    this.client = client;
    this.subscription = subscription;
    this.subscriptionPath = connection.subscription(subscription).toString();
    this.topic = topic;
    this.ackDeadline = ackDeadline;
    this.createIfMissing = createIfMissing;
    this.maxMessages = maxMessages;
    this.maxBytes = maxBytes;
    this.nextPull = maxMessages;
    this.targets = targets;
  }

  @Override
  public void run() {
    thread = Thread.currentThread();
    long backoffMillis = 0;
    boolean warned = false;
    while (running) {
      PullResponse response;
      try {
        ApiFuture<PullResponse> pull = client.pullCallable().futureCall(PullRequest.newBuilder()
            .setSubscription(subscriptionPath).setMaxMessages(nextPull).build());
        currentPull = pull;
        if (!running) {
          pull.cancel(true);
          break;
        }
        response = pull.get();
      } catch (CancellationException e) {
        continue;
      } catch (InterruptedException e) {
        if (!running) {
          break;
        }
        continue;
      } catch (ExecutionException e) {
        StatusCode.Code code = RpcFailures.code(e);
        if (!running) {
          break;
        }
        if (code == StatusCode.Code.DEADLINE_EXCEEDED) {
          continue; // nothing arrived within the pull deadline
        }
        if (code == StatusCode.Code.NOT_FOUND && createIfMissing) {
          try {
            connection.ensureSubscription(subscription, topic, ackDeadline, false);
            continue;
          } catch (RuntimeException createFailed) {
            code = RpcFailures.code(createFailed);
          }
        }
        if (!warned) {
          warned = true;
          LOG.warn("pulling from Pub/Sub subscription {} failed ({}); retrying", subscription,
              code != null ? code : e.getCause().getClass().getSimpleName());
        }
        backoffMillis = Math.min(MAX_BACKOFF.toMillis(), Math.max(200, backoffMillis * 2));
        pause(backoffMillis);
        continue;
      }
      if (warned) {
        LOG.info("pulling from Pub/Sub subscription {} works again", subscription);
        warned = false;
      }
      backoffMillis = 0;
      if (response.getReceivedMessagesCount() == 0) {
        pause(100);
        continue;
      }
      handle(withinBytes(response.getReceivedMessagesList()));
    }
  }

  /** The leading messages that fit in {@code maxBytes} (at least one); the rest are handed back at once. */
  private List<ReceivedMessage> withinBytes(List<ReceivedMessage> pulled) {
    long total = 0;
    long kept = 0;
    int keep = 0;
    for (int i = 0; i < pulled.size(); i++) {
      int size = pulled.get(i).getMessage().getSerializedSize();
      total += size;
      if (keep == i && (i == 0 || kept + size <= maxBytes)) {
        kept += size;
        keep++;
      }
    }
    long average = Math.max(1, total / pulled.size());
    nextPull = (int) Math.max(1, Math.min(maxMessages, maxBytes / average));
    if (keep == pulled.size()) {
      return pulled;
    }
    List<String> excess = new ArrayList<>(pulled.size() - keep);
    for (ReceivedMessage m : pulled.subList(keep, pulled.size())) {
      excess.add(m.getAckId());
    }
    modifyDeadline(excess, 0);
    return pulled.subList(0, keep);
  }

  private void handle(List<ReceivedMessage> messages) {
    List<String> ackIds = new ArrayList<>(messages.size());
    List<Envelope> envelopes = new ArrayList<>(messages.size());
    for (ReceivedMessage m : messages) {
      ackIds.add(m.getAckId());
      try {
        envelopes.add(PubSubMessages.toEnvelope(m.getMessage()));
      } catch (RuntimeException e) {
        // Not published by eventkit (nothing eventkit accepted is lost): acknowledged so it cannot loop forever.
        LOG.warn("message {} on subscription {} is not an eventkit envelope; acknowledged and dropped",
            m.getMessage().getMessageId(), subscription);
      }
    }
    List<CompletableFuture<Void>> parts = new ArrayList<>(targets.size());
    for (WorkerTarget t : targets) {
      parts.add(t.deliver(envelopes));
    }
    CompletableFuture<Void> all = CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new));
    long extendEvery = Math.max(1000, ackDeadline.toMillis() / 3);
    while (!all.isDone() && !abandoned) {
      try {
        all.get(extendEvery, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        // The sinks are slow or retrying: keep the messages leased so that no other worker gets them meanwhile.
        modifyDeadline(ackIds, (int) ackDeadline.toSeconds());
      } catch (ExecutionException | CancellationException e) {
        break;
      } catch (InterruptedException e) {
        // abandon() interrupts; anything else just re-checks.
      }
    }
    if (all.isDone() && !all.isCompletedExceptionally()) {
      acknowledge(ackIds);
    } else {
      // Stopped before the sinks finished: hand the messages back at once rather than after the lease.
      modifyDeadline(ackIds, 0);
    }
  }

  private void acknowledge(List<String> ackIds) {
    for (int i = 0; i < ackIds.size(); i += ACK_CHUNK) {
      List<String> chunk = ackIds.subList(i, Math.min(ackIds.size(), i + ACK_CHUNK));
      try {
        client.acknowledge(subscriptionPath, chunk);
      } catch (RuntimeException e) {
        // The messages come again after their lease; the sinks already have them, and replays are harmless.
        LOG.info("acknowledging {} message(s) on {} failed ({}); they will be redelivered", chunk.size(),
            subscription, RpcFailures.classify(e).reason());
      }
    }
  }

  private void modifyDeadline(List<String> ackIds, int seconds) {
    for (int i = 0; i < ackIds.size(); i += ACK_CHUNK) {
      List<String> chunk = ackIds.subList(i, Math.min(ackIds.size(), i + ACK_CHUNK));
      try {
        client.modifyAckDeadline(subscriptionPath, chunk, seconds);
      } catch (RuntimeException e) {
        LOG.debug("extending leases on {} failed: {}", subscription, e.toString());
      }
    }
  }

  private void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      // stop() or abandon(); the loop re-checks
    }
  }

  /** Stops pulling; the batch in hand is still finished and acknowledged. */
  void stop() {
    running = false;
    ApiFuture<PullResponse> pull = currentPull;
    if (pull != null) {
      pull.cancel(true);
    }
  }

  /** Gives up the batch in hand: its messages are handed back unacknowledged. */
  void abandon() {
    stop();
    abandoned = true;
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
  }
}
