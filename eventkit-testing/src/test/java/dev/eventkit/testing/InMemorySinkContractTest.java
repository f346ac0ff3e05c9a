package dev.eventkit.testing;

import dev.eventkit.event.Envelope;
import dev.eventkit.sink.InMemorySink;
import java.util.List;

/** {@link InMemorySink} keeps the sink contract. */
class InMemorySinkContractTest extends SinkContract<InMemorySink> {

  @Override
  protected InMemorySink createSink() {
    return new InMemorySink("memory");
  }

  @Override
  protected List<String> deliveredIds(InMemorySink sink) {
    return sink.envelopes().stream().map(Envelope::id).toList();
  }
}
