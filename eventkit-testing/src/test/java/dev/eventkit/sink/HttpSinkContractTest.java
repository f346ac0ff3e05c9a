package dev.eventkit.sink;

import dev.eventkit.event.Envelope;
import dev.eventkit.testing.SinkContract;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;

/**
 * {@link HttpSink} keeps the sink contract against a real HTTP server on loopback (the core's test receiver, which
 * decodes what it is posted); what the sink delivered is what that server accepted. In the sink's package, where
 * the receiver lives.
 */
class HttpSinkContractTest extends SinkContract<HttpSink> {

  private final Map<HttpSink, ReceivingServer> servers = new IdentityHashMap<>();

  @Override
  protected HttpSink createSink() {
    ReceivingServer server = new ReceivingServer();
    HttpSink sink = HttpSink.builder(server.uri()).gzip(true).build();
    servers.put(sink, server);
    return sink;
  }

  @Override
  protected List<String> deliveredIds(HttpSink sink) {
    return servers.get(sink).accepted().stream().map(Envelope::id).toList();
  }

  @AfterEach
  void stopServers() {
    servers.values().forEach(ReceivingServer::close);
  }
}
