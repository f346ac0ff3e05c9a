package dev.eventkit.gcp.firestore;

import com.google.cloud.firestore.DocumentSnapshot;
import com.google.cloud.firestore.Firestore;
import com.google.cloud.firestore.FirestoreOptions;
import com.google.cloud.firestore.QueryDocumentSnapshot;
import dev.eventkit.event.Envelope;
import dev.eventkit.gcp.testing.TestServers;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/** Reads what the Firestore sink wrote, straight from the emulator, with a client of the test's own. */
public final class FirestoreTesting implements AutoCloseable {

  private final Firestore firestore;

  private FirestoreTesting(Firestore firestore) {
    this.firestore = firestore;
  }

  /** Starts the emulator if needed (failing loudly when it cannot) and connects to it. */
  public static FirestoreTesting connect() {
    TestServers.start("firestore");
    return new FirestoreTesting(FirestoreOptions.newBuilder()
        .setProjectId(TestServers.projectId())
        .setEmulatorHost(TestServers.get("FIRESTORE_EMULATOR_HOST"))
        .build().getService());
  }

  /** A collection prefix no other test run uses. */
  public static String uniquePrefix(String name) {
    return name + "_" + UUID.randomUUID().toString().substring(0, 8) + "_";
  }

  public Firestore client() {
    return firestore;
  }

  /** Every document of a collection, by document id. */
  public Map<String, Map<String, Object>> documents(String collection) throws Exception {
    Map<String, Map<String, Object>> out = new HashMap<>();
    for (QueryDocumentSnapshot d : firestore.collection(collection).get().get().getDocuments()) {
      out.put(d.getId(), d.getData());
    }
    return out;
  }

  public DocumentSnapshot document(String collection, String id) throws Exception {
    return firestore.collection(collection).document(id).get().get();
  }

  /** Polls a collection until its documents satisfy the condition. */
  public Map<String, Map<String, Object>> await(String collection,
      Predicate<Map<String, Map<String, Object>>> condition, Duration timeout) throws Exception {
    AtomicReference<Map<String, Map<String, Object>>> docs = new AtomicReference<>(Map.of());
    // A read failing while the emulator restarts is tried again.
    Awaitility.await().alias(collection + ": condition on its documents").atMost(timeout).pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(200)).ignoreExceptionsInstanceOf(ExecutionException.class).until(() -> {
          docs.set(documents(collection));
          return condition.test(docs.get());
        });
    return docs.get();
  }

  /** The envelope as Firestore gives it back: timestamps cut to microseconds. */
  public static Envelope asStored(Envelope e) {
    Envelope.Builder b = e.toBuilder().receivedAt(e.receivedAt().truncatedTo(ChronoUnit.MICROS));
    if (e.sentAt() != null) {
      b.sentAt(e.sentAt().truncatedTo(ChronoUnit.MICROS));
    }
    return b.build();
  }

  public static List<String> ids(List<Envelope> envelopes) {
    List<String> out = new ArrayList<>();
    for (Envelope e : envelopes) {
      out.add(e.id());
    }
    return out;
  }

  static Instant micros(Instant i) {
    return i.truncatedTo(ChronoUnit.MICROS);
  }

  @Override
  public void close() {
    try {
      firestore.close();
    } catch (Exception e) {
      throw new IllegalStateException("closing the test's Firestore client failed", e);
    }
  }
}
