package dev.eventkit.gcp.firestore;

import dev.eventkit.event.Envelope;
import dev.eventkit.gcp.testing.TestServers;
import dev.eventkit.testing.SinkContract;
import java.util.List;
import org.junit.jupiter.api.AutoClose;

/**
 * {@link FirestoreSink} keeps eventkit-testing's sink contract against the Firestore emulator: each sink writes
 * collections of its own (a collection prefix per sink), each document read back as an envelope. Documents are named by event
 * id, so a replay overwrites rather than adds, and the sink declares itself idempotent.
 */
class FirestoreSinkContractTest extends SinkContract<FirestoreSink> {

  @AutoClose
  private static final FirestoreTesting store = FirestoreTesting.connect();

  @Override
  protected FirestoreSink createSink() {
    return FirestoreSink.builder(TestServers.projectId()).emulatorHost(TestServers.get("FIRESTORE_EMULATOR_HOST"))
        .collectionPrefix(FirestoreTesting.uniquePrefix("contract")).build();
  }

  @Override
  protected List<String> deliveredIds(FirestoreSink sink) throws Exception {
    return store.documents(sink.collectionFor(Envelope.DEFAULT_STREAM)).values().stream()
        .map(d -> FirestoreDocuments.toEnvelope(d).id()).toList();
  }

  @Override
  protected boolean idempotent() {
    return true;
  }
}
