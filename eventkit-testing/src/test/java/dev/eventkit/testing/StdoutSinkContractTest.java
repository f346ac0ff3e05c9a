package dev.eventkit.testing;

import dev.eventkit.sink.StdoutSink;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** {@link StdoutSink} keeps the sink contract; what it delivered is read back from the stream it writes. */
class StdoutSinkContractTest extends SinkContract<StdoutSink> {

  private final Map<StdoutSink, ByteArrayOutputStream> streams = new IdentityHashMap<>();

  @Override
  protected StdoutSink createSink() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StdoutSink sink = new StdoutSink("stdout", out);
    streams.put(sink, out);
    return sink;
  }

  @Override
  protected List<String> deliveredIds(StdoutSink sink) {
    ByteArrayOutputStream out = streams.get(sink);
    synchronized (out) {
      return NdjsonIds.of(out.toString(StandardCharsets.UTF_8));
    }
  }
}
