package dev.eventkit.gcp.bigquery;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.InsertAllRequest;
import com.google.cloud.bigquery.InsertAllResponse;
import com.google.cloud.bigquery.TableId;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.eventkit.internal.json.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * The BigQuery emulator behind a loopback proxy that applies {@code tables.patch}, which the emulator cannot: it
 * routes neither the Java client's POST with {@code X-HTTP-Method-Override: PATCH} nor keeps what a real PATCH
 * sends, and no other request (update, {@code ALTER TABLE}, a load job's {@code schemaUpdateOptions}) adds a column
 * to its stored rows. Every other request is passed through unchanged.
 *
 * <p>A patch is applied with the patch semantics of the service (the body's top-level fields replace the table's)
 * by re-creating the table in the emulator with the merged resource and copying its rows back with
 * {@code insertAll}. The service adds the columns in place; what a test sees afterwards is the same: the same
 * table, with the new columns, holding its old rows. Only for typed tables (rows are copied by {@code event_id}),
 * and only while nothing else writes to the table. Tests only; patches are serialised.
 */
final class TablePatchProxy implements AutoCloseable {

  private static final Pattern TABLE =
      Pattern.compile("/bigquery/v2/projects/([^/]+)/datasets/([^/]+)/tables/([^/?]+)");
  /** Headers the JDK client sets itself, or that describe the hop rather than the message. */
  private static final Set<String> HOP_HEADERS = Set.of("host", "connection", "content-length", "expect", "upgrade",
      "transfer-encoding", "keep-alive", "x-http-method-override");
  /** Output-only fields of a table resource, refused or ignored by {@code tables.insert}. */
  private static final List<String> OUTPUT_ONLY = List.of("id", "kind", "etag", "selfLink", "creationTime",
      "lastModifiedTime", "numRows", "numBytes", "numLongTermBytes", "type", "location", "streamingBuffer");

  private static final TypeReference<Map<String, Object>> ROW = new TypeReference<>() {};

  private final String target;
  private final BigQuery emulator;
  private final HttpServer server;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<String> patched = new ArrayList<>();

  /**
   * @param target the emulator's REST address, {@code http://host:port}
   * @param emulator a client of the emulator itself, used to copy a patched table's rows
   */
  TablePatchProxy(String target, BigQuery emulator) throws IOException {
    this.target = BigQueryClients.withScheme(target);
    this.emulator = emulator;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  /** The proxy's REST address, for {@code emulatorHost(...)}. */
  String host() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The tables patched so far ({@code dataset.table}), one entry per patch. */
  synchronized List<String> patched() {
    return List.copyOf(patched);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      try {
        forwardOrPatch(exchange);
      } catch (RuntimeException e) {
        // Answered as the service answers a failure of its own, so that the test's client says what went wrong.
        byte[] out = Json.write(Json.object().set("error", Json.object().put("code", 500).put("message",
            String.valueOf(e.getMessage())))).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        exchange.sendResponseHeaders(500, out.length);
        exchange.getResponseBody().write(out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  private void forwardOrPatch(HttpExchange exchange) throws IOException, InterruptedException {
    String method = exchange.getRequestMethod();
    String override = exchange.getRequestHeaders().getFirst("X-HTTP-Method-Override");
    if ("POST".equals(method) && override != null) {
      method = override;
    }
    byte[] body = exchange.getRequestBody().readAllBytes();
    Matcher m = TABLE.matcher(exchange.getRequestURI().getPath());
    if ("PATCH".equals(method) && m.matches()) {
      byte[] plain = "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))
          ? new GZIPInputStream(new ByteArrayInputStream(body)).readAllBytes() : body;
      patch(exchange, m.group(1), m.group(2), m.group(3), (ObjectNode) Json.reader().readTree(plain));
    } else {
      reply(exchange, send(method, exchange.getRequestURI().toString(), exchange, body));
    }
  }

  private synchronized void patch(HttpExchange exchange, String project, String dataset, String table,
      ObjectNode changes) throws IOException, InterruptedException {
    String path = "/bigquery/v2/projects/" + project + "/datasets/" + dataset + "/tables/" + table;
    HttpResponse<byte[]> current = send("GET", path, null, new byte[0]);
    if (current.statusCode() != 200) {
      reply(exchange, current);
      return;
    }
    ObjectNode merged = (ObjectNode) Json.reader().readTree(current.body());
    merged.setAll(changes);
    OUTPUT_ONLY.forEach(merged::remove);
    TableId id = TableId.of(project, dataset, table);
    Collection<ObjectNode> rows = TypedTablesTesting.rows(emulator, id).values();
    HttpResponse<byte[]> deleted = send("DELETE", path, null, new byte[0]);
    if (deleted.statusCode() / 100 != 2) {
      reply(exchange, deleted);
      return;
    }
    HttpResponse<byte[]> created = send("POST", "/bigquery/v2/projects/" + project + "/datasets/" + dataset
        + "/tables", null, Json.write(merged).getBytes(StandardCharsets.UTF_8));
    if (created.statusCode() != 200) {
      throw new IllegalStateException("re-creating " + table + " failed: " + new String(created.body(),
          StandardCharsets.UTF_8));
    }
    if (!rows.isEmpty()) {
      InsertAllRequest.Builder insert = InsertAllRequest.newBuilder(id);
      for (ObjectNode row : rows) {
        insert.addRow(Json.reader().forType(ROW).<Map<String, Object>>readValue(row));
      }
      InsertAllResponse copied = emulator.insertAll(insert.build());
      if (copied.hasErrors()) {
        throw new IllegalStateException("copying the rows of " + table + " failed: " + copied.getInsertErrors());
      }
    }
    patched.add(dataset + "." + table);
    reply(exchange, send("GET", path, null, new byte[0]));
  }

  /** Sends a request to the emulator; with {@code from}, its headers (less the hop's) are passed on. */
  private HttpResponse<byte[]> send(String method, String pathAndQuery, HttpExchange from, byte[] body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(target + pathAndQuery))
        .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body));
    if (from != null) {
      for (Map.Entry<String, List<String>> h : from.getRequestHeaders().entrySet()) {
        if (!HOP_HEADERS.contains(h.getKey().toLowerCase(Locale.ROOT))) {
          h.getValue().forEach(v -> b.header(h.getKey(), v));
        }
      }
    } else if (body.length > 0) {
      b.header("Content-Type", "application/json; charset=UTF-8");
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static void reply(HttpExchange exchange, HttpResponse<byte[]> r) throws IOException {
    for (Map.Entry<String, List<String>> h : r.headers().map().entrySet()) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (!HOP_HEADERS.contains(name) && !name.startsWith(":")) {
        exchange.getResponseHeaders().put(h.getKey(), h.getValue());
      }
    }
    byte[] out = r.body();
    exchange.sendResponseHeaders(r.statusCode(), out.length == 0 ? -1 : out.length);
    if (out.length > 0) {
      exchange.getResponseBody().write(out);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
