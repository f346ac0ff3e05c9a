package dev.eventkit.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import dev.eventkit.sink.WriteResult;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A measured run, not a check: events per second from {@link KafkaSink#write} to the local test broker, the way the
 * pipeline drives a sink (batches of 500, 4 in flight, each awaited for the broker's acks). Runs only with {@code
 * -Deventkit.kafka.throughput=true}; the figures are in eventkit-benchmarks/README.md.
 */
@EnabledIfSystemProperty(named = "eventkit.kafka.throughput", matches = "true")
class KafkaSinkThroughputTest {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaSinkThroughputTest.class);
  private static final int EVENTS = 200_000;
  private static final int BATCH = 500;
  private static final int IN_FLIGHT = 4;

  @Test
  void measure() throws Exception {
    String bootstrap = KafkaTesting.start();
    for (String compression : List.of("lz4", "none", "zstd")) {
      run(bootstrap, compression);
    }
  }

  private static void run(String bootstrap, String compression) throws Exception {
    List<Envelope> batch = new ArrayList<>(BATCH);
    String pad = "p".repeat(480);
    for (int i = 0; i < BATCH; i++) {
      batch.add(Envelope.builder().id("id-" + i).protocol("segment").payloadJson(
          "{\"type\":\"track\",\"event\":\"Order Completed\",\"userId\":\"u" + (i % 97)
              + "\",\"properties\":{\"total\":"
              + i + ",\"note\":\"" + pad + "\"}}").build());
    }
    int bytes = EnvelopeCodec.encode(batch.get(0)).length;
    String topic = KafkaTesting.unique("tput-" + compression);
    try (KafkaSink sink = KafkaSink.builder(bootstrap).topic(topic).compression(compression).build()) {
      // Warm-up: topic creation, metadata, JIT.
      sink.write(batch).get(60, TimeUnit.SECONDS);
      Deque<CompletableFuture<WriteResult>> inFlight = new ArrayDeque<>();
      long start = System.nanoTime();
      for (int sent = 0; sent < EVENTS; sent += BATCH) {
        if (inFlight.size() == IN_FLIGHT) {
          assertThat(inFlight.removeFirst().get(60, TimeUnit.SECONDS).isSuccess()).isTrue();
        }
        inFlight.addLast(sink.write(batch));
      }
      while (!inFlight.isEmpty()) {
        assertThat(inFlight.removeFirst().get(60, TimeUnit.SECONDS).isSuccess()).isTrue();
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      LOG.info("kafka sink throughput: compression={} events={} envelope={} B: {} events/s ({} MB/s of envelopes)",
          compression, EVENTS, bytes, Math.round(EVENTS / seconds),
          String.format("%.1f", EVENTS * (double) bytes / seconds / 1e6));
    }
  }
}
