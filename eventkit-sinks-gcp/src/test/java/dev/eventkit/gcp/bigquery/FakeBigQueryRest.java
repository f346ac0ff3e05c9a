package dev.eventkit.gcp.bigquery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.eventkit.internal.json.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * The part of the BigQuery REST API the warehouse loader uses (datasets, tables, load jobs), on loopback, answering
 * with the real service's payloads where the emulator cannot: load jobs that fail with a given {@code errorResult}
 * and {@code errors} (quota, transient, permission, data errors naming their object), and jobs that live in a
 * regional location and are found only when {@code jobs.get} names it. Jobs run in the dataset's location, as on
 * the service. Rows are not stored: a job only records its source URIs. Tests only; thread-safe.
 */
final class FakeBigQueryRest implements AutoCloseable {

  /** A job the server accepted: its id, the location the request named (null when none), URIs and outcome. */
  record InsertedJob(String id, String requestedLocation, String location, List<String> uris, String errorReason) {}

  /** An error a load job ends with: the reason, and the location (an object URI) when the error names one. */
  record JobError(String reason, String location) {}

  private static final Pattern JOB = Pattern.compile("/bigquery/v2/projects/([^/]+)/jobs/([^/?]+)");
  private static final Pattern JOBS = Pattern.compile("/bigquery/v2/projects/([^/]+)/jobs");
  private static final Pattern TABLE = Pattern.compile("/bigquery/v2/projects/([^/]+)/datasets/([^/]+)/tables/([^/]+)");
  private static final Pattern TABLES = Pattern.compile("/bigquery/v2/projects/([^/]+)/datasets/([^/]+)/tables");
  private static final Pattern DATASET = Pattern.compile("/bigquery/v2/projects/([^/]+)/datasets/([^/]+)");
  private static final Pattern DATASETS = Pattern.compile("/bigquery/v2/projects/([^/]+)/datasets");

  private final HttpServer server;
  private final Map<String, String> datasetLocations = new HashMap<>();
  private final Map<String, JsonNode> tables = new HashMap<>();
  private final Map<String, ObjectNode> jobs = new LinkedHashMap<>();
  private final List<InsertedJob> inserted = new ArrayList<>();
  private final List<String> jobLookups = new ArrayList<>();
  private final List<String> userAgents = new ArrayList<>();
  private Function<List<String>, JobError> outcome = uris -> null;

  FakeBigQueryRest() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String host() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** A dataset (with an empty events table) that already exists in {@code location}. */
  synchronized void dataset(String dataset, String table, String location) {
    datasetLocations.put(dataset, location);
    tables.put(dataset + "." + table, Json.object().put("id", table));
  }

  synchronized String datasetLocation(String dataset) {
    return datasetLocations.get(dataset);
  }

  /** Decides how each new load job ends (null: success) from its source URIs. */
  synchronized void outcome(Function<List<String>, JobError> outcome) {
    this.outcome = outcome;
  }

  synchronized List<InsertedJob> inserted() {
    return List.copyOf(inserted);
  }

  /** The {@code User-Agent} of every request. */
  synchronized List<String> userAgents() {
    return List.copyOf(userAgents);
  }

  /** The {@code location} parameter of every {@code jobs.get} ("" when absent). */
  synchronized List<String> jobLookups() {
    return List.copyOf(jobLookups);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
      String method = exchange.getRequestMethod();
      byte[] body = "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))
          ? new GZIPInputStream(exchange.getRequestBody()).readAllBytes()
          : exchange.getRequestBody().readAllBytes();
      Matcher m;
      synchronized (this) {
        userAgents.add(String.valueOf(exchange.getRequestHeaders().getFirst("User-Agent")));
        if ((m = JOB.matcher(path)).matches() && method.equals("GET")) {
          getJob(exchange, m.group(1), m.group(2), query.get("location"));
        } else if ((m = JOBS.matcher(path)).matches() && method.equals("POST")) {
          insertJob(exchange, m.group(1), Json.reader().readTree(body));
        } else if ((m = TABLE.matcher(path)).matches() && method.equals("GET")) {
          JsonNode t = tables.get(m.group(2) + "." + m.group(3));
          if (t == null) {
            error(exchange, 404, "notFound", "Not found: Table");
          } else {
            reply(exchange, 200, table(m.group(1), m.group(2), m.group(3)));
          }
        } else if ((m = TABLES.matcher(path)).matches() && method.equals("POST")) {
          JsonNode t = Json.reader().readTree(body);
          String name = t.path("tableReference").path("tableId").asText();
          tables.put(m.group(2) + "." + name, t);
          reply(exchange, 200, table(m.group(1), m.group(2), name));
        } else if ((m = DATASET.matcher(path)).matches() && method.equals("GET")) {
          String location = datasetLocations.get(m.group(2));
          if (location == null) {
            error(exchange, 404, "notFound", "Not found: Dataset");
          } else {
            reply(exchange, 200, datasetJson(m.group(1), m.group(2), location));
          }
        } else if ((m = DATASETS.matcher(path)).matches() && method.equals("POST")) {
          JsonNode d = Json.reader().readTree(body);
          String name = d.path("datasetReference").path("datasetId").asText();
          String location = d.path("location").asText("US");
          datasetLocations.put(name, location);
          reply(exchange, 200, datasetJson(m.group(1), name, location));
        } else {
          error(exchange, 404, "notFound", "no such resource in the fake");
        }
      }
    }
  }

  private void getJob(HttpExchange exchange, String project, String id, String location) throws IOException {
    jobLookups.add(location == null ? "" : location);
    ObjectNode job = jobs.get(id);
    // Outside the US and EU multi-regions the service finds a job only when the request names its location.
    String jobLocation = job == null ? null : job.path("jobReference").path("location").asText();
    boolean multiRegion = "US".equals(jobLocation) || "EU".equals(jobLocation);
    if (job == null || (!multiRegion && !jobLocation.equals(location))) {
      error(exchange, 404, "notFound", "Not found: Job " + project + ":" + id);
      return;
    }
    reply(exchange, 200, job);
  }

  private void insertJob(HttpExchange exchange, String project, JsonNode request) throws IOException {
    String id = request.path("jobReference").path("jobId").asText();
    if (jobs.containsKey(id)) {
      error(exchange, 409, "duplicate", "Already Exists: Job " + project + ":" + id);
      return;
    }
    JsonNode load = request.path("configuration").path("load");
    String dataset = load.path("destinationTable").path("datasetId").asText();
    String location = datasetLocations.getOrDefault(dataset, "US");
    List<String> uris = new ArrayList<>();
    load.path("sourceUris").forEach(u -> uris.add(u.asText()));
    JobError error = outcome.apply(uris);
    JsonNode requested = request.path("jobReference").get("location");
    inserted.add(new InsertedJob(id, requested == null ? null : requested.asText(), location, uris,
        error == null ? null : error.reason()));
    ObjectNode job = Json.object();
    job.put("kind", "bigquery#job");
    job.put("id", project + ":" + location + "." + id);
    job.putObject("jobReference").put("projectId", project).put("jobId", id).put("location", location);
    job.set("configuration", request.path("configuration"));
    ObjectNode status = job.putObject("status").put("state", "DONE");
    job.putObject("statistics").put("creationTime", "1").put("startTime", "1").put("endTime", "2");
    if (error != null) {
      ObjectNode e = Json.object().put("reason", error.reason()).put("message", "load failed: " + error.reason());
      if (error.location() != null) {
        e.put("location", error.location());
      }
      status.set("errorResult", e);
      status.putArray("errors").add(e.deepCopy());
    }
    jobs.put(id, job);
    reply(exchange, 200, job);
  }

  private static ObjectNode datasetJson(String project, String dataset, String location) {
    ObjectNode d = Json.object();
    d.put("kind", "bigquery#dataset");
    d.put("id", project + ":" + dataset);
    d.putObject("datasetReference").put("projectId", project).put("datasetId", dataset);
    d.put("location", location);
    return d;
  }

  private static ObjectNode table(String project, String dataset, String table) {
    ObjectNode t = Json.object();
    t.put("kind", "bigquery#table");
    t.put("id", project + ":" + dataset + "." + table);
    t.put("type", "TABLE");
    t.putObject("tableReference").put("projectId", project).put("datasetId", dataset).put("tableId", table);
    t.putObject("schema").putArray("fields");
    return t;
  }

  /** The service's error document: {@code {"error": {"code", "message", "errors": [{reason, message}]}}}. */
  private static void error(HttpExchange exchange, int code, String reason, String message) throws IOException {
    ObjectNode body = Json.object();
    ObjectNode error = body.putObject("error").put("code", code).put("message", message);
    error.putArray("errors").addObject().put("reason", reason).put("domain", "global").put("message", message);
    reply(exchange, code, body);
  }

  private static void reply(HttpExchange exchange, int code, JsonNode body) throws IOException {
    byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
    exchange.sendResponseHeaders(code, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw == null) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
