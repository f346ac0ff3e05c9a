package dev.eventkit.gcp.pubsub;

import static dev.eventkit.testing.Flushing.flushed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.cloud.NoCredentials;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryOptions;
import com.google.cloud.bigquery.FieldValueList;
import com.google.cloud.bigquery.TableId;
import dev.eventkit.Pipeline;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.gcp.bigquery.EnvelopeRow;
import dev.eventkit.gcp.firestore.FirestoreTesting;
import dev.eventkit.gcp.testing.TestServers;
import dev.eventkit.http.Collector;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.testing.LocalServer;
import dev.eventkit.testing.NdjsonFiles;
import dev.eventkit.testing.WorkerProcess;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Distributed mode end to end: two collectors (each its own SQLite log, publish-only queue, real HTTP) publish to
 * one topic; two worker JVMs share one subscription and deliver to Firestore, to BigQuery (Storage Write API,
 * default stream) and to a file sink the test watches for progress. One worker is killed with SIGKILL mid-stream.
 * Every accepted event must end up exactly once in Firestore (one document per event id) and at least once —
 * deduplicable by event id — in BigQuery and in the file sinks.
 */
class DistributedModeTest {

  private static final Logger LOG = LoggerFactory.getLogger(DistributedModeTest.class);
  private static final int REQUESTS_PER_COLLECTOR = 40;
  private static final int EVENTS_PER_REQUEST = 25;

  private static FirestoreTesting firestore;

  @BeforeAll
  static void servers() {
    TestServers.start("pubsub", "firestore", "gcs", "bigquery");
    firestore = FirestoreTesting.connect();
  }

  @AfterAll
  static void close() throws Exception {
    firestore.close();
  }

  // Not yet timed on this machine (no BigQuery emulator installed here): 10 min, well above its longest single
  // wait (2 min), until a measured run allows a bound of about 3 times its duration.
  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void everyAcceptedEventLandsOnceInFirestoreAndAtLeastOnceInBigQueryThoughAWorkerIsKilled(@TempDir Path dir)
      throws Exception {
    String project = TestServers.projectId();
    String topic = PubSubTesting.unique("dist");
    String subscription = PubSubTesting.unique("workers");
    String prefix = FirestoreTesting.uniquePrefix("dist");
    Duration ackDeadline = Duration.ofSeconds(10);
    String dataset = "dist_" + ProcessHandle.current().pid() + "_" + System.nanoTime() % 1_000_000;
    String table = "events_" + dataset;

    List<WorkerProcess> workers = new ArrayList<>();
    List<Pipeline> collectors = new ArrayList<>();
    List<LocalServer> servers = new ArrayList<>();
    try {
      for (int w = 0; w < 2; w++) {
        workers.add(WorkerProcess.start(WorkerMain.class, List.of("project=" + project,
            "pubsub=" + TestServers.get("PUBSUB_EMULATOR_HOST"),
            "firestore=" + TestServers.get("FIRESTORE_EMULATOR_HOST"),
            "topic=" + topic, "subscription=" + subscription, "prefix=" + prefix,
            "bigquery=" + TestServers.get("BIGQUERY_EMULATOR_HOST"),
            "bigqueryGrpc=" + TestServers.get("BIGQUERY_EMULATOR_GRPC_HOST"),
            "dataset=" + dataset, "table=" + table,
            "dir=" + dir.resolve("files-" + w), "loops=2", "ackDeadline=" + ackDeadline.toSeconds(),
            "delayMillis=150"), dir.resolve("worker-" + w + ".log")));
      }
      for (WorkerProcess w : workers) {
        w.awaitReady();
      }
      for (int c = 0; c < 2; c++) {
        Pipeline collector = Pipeline.builder()
            .ringBuffer(SqliteRingBuffer.at(dir.resolve("collector-" + c + ".db")))
            .queue(PubSubQueue.builder(project).emulatorHost(TestServers.get("PUBSUB_EMULATOR_HOST"))
                .role(PubSubQueue.Role.PUBLISHER).topic(topic).subscription(subscription)
                .ackDeadline(ackDeadline).build())
            .build().start();
        collectors.add(collector);
        servers.add(new LocalServer(Collector.builder(collector).input(SegmentInput.create()).build()));
      }

      // Each collector takes its own stream over HTTP; an id counts as accepted when its request got a 2xx.
      Map<String, Set<String>> accepted = new ConcurrentHashMap<>();
      CountDownLatch halfSent = new CountDownLatch(2);
      CountDownLatch killed = new CountDownLatch(1);
      List<Thread> senders = new ArrayList<>();
      for (int c = 0; c < 2; c++) {
        String stream = c == 0 ? "web" : "app";
        LocalServer server = servers.get(c);
        Set<String> ids = ConcurrentHashMap.newKeySet();
        accepted.put(stream, ids);
        Thread t = new Thread(() -> send(server, stream, ids, halfSent, killed), "sender-" + stream);
        senders.add(t);
        t.start();
      }

      // Mid-stream: once worker 0 has delivered something, kill it while it holds batches in flight.
      assertThat(halfSent.await(60, TimeUnit.SECONDS)).isTrue();
      // The kill comes after 150 deliveries, or after 60 s with whatever worker 0 has delivered by then.
      try {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
            .until(() -> NdjsonFiles.completeLineIds(dir.resolve("files-0")).size() >= 150);
      } catch (ConditionTimeoutException fewerThan150) {
        LOG.info("worker 0 delivered fewer than 150 events within 60 s; killing it now");
      }
      int beforeKill = NdjsonFiles.completeLineIds(dir.resolve("files-0")).size();
      assertThat(beforeKill).as("worker 0 delivered before it was killed").isPositive();
      workers.get(0).kill();
      assertThat(workers.get(0).isAlive()).isFalse();
      killed.countDown();
      for (Thread t : senders) {
        t.join(TimeUnit.MINUTES.toMillis(2));
      }
      int total = accepted.get("web").size() + accepted.get("app").size();
      assertThat(total).isEqualTo(2 * REQUESTS_PER_COLLECTOR * EVENTS_PER_REQUEST);
      for (Pipeline c : collectors) {
        assertThat(flushed(c, Duration.ofSeconds(60))).as("everything accepted is published").isTrue();
      }

      // Exactly once in Firestore: one document per accepted id, no other documents.
      for (String stream : List.of("web", "app")) {
        Set<String> want = accepted.get(stream);
        Map<String, Map<String, Object>> docs = firestore.await(prefix + stream,
            d -> d.keySet().containsAll(want), Duration.ofSeconds(90));
        assertThat(docs.keySet()).isEqualTo(want);
        for (Map.Entry<String, Map<String, Object>> d : docs.entrySet()) {
          assertThat(d.getValue().get("id")).isEqualTo(d.getKey());
          assertThat(d.getValue().get("stream")).isEqualTo(stream);
        }
      }

      // At least once in the file sinks of both workers together, deduplicable by id, nothing else.
      Set<String> all = new HashSet<>(accepted.get("web"));
      all.addAll(accepted.get("app"));
      List<String> lines = new ArrayList<>();
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
        lines.clear();
        lines.addAll(NdjsonFiles.completeLineIds(dir.resolve("files-0")));
        lines.addAll(NdjsonFiles.completeLineIds(dir.resolve("files-1")));
        assertThat(new HashSet<>(lines)).isEqualTo(all);
      });
      Set<String> inFiles = new HashSet<>(lines);
      LOG.info("distributed run: {} events accepted, worker 0 delivered {} line(s) before SIGKILL; file sinks hold "
          + "{} line(s), {} of them replays", total, beforeKill, lines.size(), lines.size() - inFiles.size());

      // At least once in BigQuery, deduplicable by event id: the distinct ids are exactly the accepted ones.
      BigQuery bigQuery = BigQueryOptions.newBuilder().setHost(TestServers.get("BIGQUERY_EMULATOR_HOST"))
          .setProjectId(project).setCredentials(NoCredentials.getInstance()).build().getService();
      List<String> rows = new ArrayList<>();
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        rows.clear();
        for (FieldValueList row : bigQuery.listTableData(TableId.of(project, dataset, table),
            EnvelopeRow.schema()).iterateAll()) {
          rows.add(EnvelopeRow.fromFieldValues(row).id());
        }
        assertThat(new HashSet<>(rows)).isEqualTo(all);
      });
      Set<String> inWarehouse = new HashSet<>(rows);
      LOG.info("BigQuery holds {} row(s) for {} distinct event(s): {} replayed row(s), removable by event_id",
          rows.size(), inWarehouse.size(), rows.size() - inWarehouse.size());

      assertThat(workers.get(1).closeGracefully()).as("the surviving worker shuts down cleanly").isTrue();
    } finally {
      for (LocalServer s : servers) {
        s.close();
      }
      for (Pipeline c : collectors) {
        c.close();
      }
      for (WorkerProcess w : workers) {
        w.close();
      }
    }
  }

  private static void send(LocalServer server, String stream, Set<String> acceptedIds, CountDownLatch halfSent,
      CountDownLatch killed) {
    try {
      for (int r = 0; r < REQUESTS_PER_COLLECTOR; r++) {
        if (r == REQUESTS_PER_COLLECTOR / 2) {
          halfSent.countDown();
          killed.await(90, TimeUnit.SECONDS);
        }
        List<String> ids = new ArrayList<>();
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < EVENTS_PER_REQUEST; i++) {
          String id = stream + "-" + r + "-" + i;
          ids.add(id);
          body.append(i == 0 ? "" : ",").append("{\"type\":\"track\",\"event\":\"Played\",\"userId\":\"u")
              .append(i).append("\",\"messageId\":\"").append(id).append("\",\"properties\":{\"n\":").append(i)
              .append("}}");
        }
        body.append(']');
        HttpResponse<String> response = server.post("/collect/" + stream, "application/json", body.toString());
        if (response.statusCode() / 100 == 2) {
          acceptedIds.addAll(ids);
        } else {
          LOG.warn("request refused: {} {}", response.statusCode(), response.body());
        }
        // Paced, so that the stream is still running when the worker is killed.
        Thread.sleep(15);
      }
    } catch (Exception e) {
      LOG.error("sender failed", e);
    }
  }
}
