package dev.eventkit.input.webhook;

import dev.eventkit.event.Envelope;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.Input;
import dev.eventkit.http.Intake;
import dev.eventkit.http.Rejection;
import dev.eventkit.http.RequestContext;
import dev.eventkit.http.Route;
import dev.eventkit.internal.http.JsonBody;
import dev.eventkit.internal.http.PathName;
import dev.eventkit.schema.SchemaUri;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Arbitrary JSON deliveries from third parties on {@code POST /webhook/{name}} (base path configurable). The whole
 * body — any JSON value, an array included — is one event; its schema is the one mapped to the hook's name, or the
 * default schema, or none (not validated). With {@link Builder#allowUnmappedHooks(boolean) allowUnmappedHooks}
 * off, a name without a mapping is 404.
 *
 * <p>The envelope records the hook's name in attribute {@code webhook}; its id is the value of the first of the
 * configured {@link Builder#idHeaders id headers} present (such as a delivery id, so that redeliveries share an
 * id), else random. Accepts {@code application/json} and {@code text/plain}. Immutable and thread-safe.
 */
public final class WebhookInput implements Input {

  /** Protocol name recorded in envelopes. */
  public static final String PROTOCOL = "webhook";

  private final String basePath;
  private final Map<String, String> schemas;
  private final String defaultSchema;
  private final boolean allowUnmapped;
  private final String stream;
  private final List<String> idHeaders;

  private WebhookInput(Builder b) {
    this.basePath = b.basePath;
    this.schemas = Map.copyOf(b.schemas);
    this.defaultSchema = b.defaultSchema;
    this.allowUnmapped = b.allowUnmapped;
    this.stream = b.stream;
    this.idHeaders = List.copyOf(b.idHeaders);
  }

  /** Hooks at {@code /webhook/{name}}, any name, no schemas. */
  public static WebhookInput create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public List<Route> routes() {
    return List.of(Route.post(basePath + "/{name}", "application/json", "text/plain"));
  }

  @Override
  public Intake read(HttpRequest request, RequestContext context) {
    String name = context.pathParameter("name", "");
    if (!PathName.isValid(name)) {
      return Intake.rejected(Rejection.badRequest("invalid_name",
          "a webhook name is 1-128 letters, digits, '.', '_' or '-'", "name"));
    }
    String schema = schemas.get(name);
    if (schema == null) {
      if (!allowUnmapped) {
        return Intake.rejected(new Rejection(404, "unknown_webhook", "no webhook of this name", "name"));
      }
      schema = defaultSchema;
    }
    JsonBody body = JsonBody.parse(request.body());
    if (body.isRejected()) {
      return Intake.rejected(body.rejection());
    }
    Envelope.Builder b = context.envelope(PROTOCOL).stream(stream).schema(schema).payload(body.node())
        .attribute("webhook", name);
    for (String h : idHeaders) {
      String id = request.header(h);
      if (id != null && !id.isBlank() && id.length() <= 256) {
        b.id(id.trim());
        break;
      }
    }
    return Intake.of(List.of(b.build()), List.of());
  }

  /**
   * Configures a {@link WebhookInput}; not thread-safe. Defaults: base path {@code /webhook}, unmapped names
   * accepted without a schema, stream {@code default}, no id headers. {@link #build()} throws
   * {@link IllegalArgumentException} for a malformed schema URI, hook name, stream or path.
   */
  public static final class Builder {
    private String basePath = "/webhook";
    private final Map<String, String> schemas = new LinkedHashMap<>();
    private String defaultSchema;
    private boolean allowUnmapped = true;
    private String stream = Envelope.DEFAULT_STREAM;
    private final List<String> idHeaders = new ArrayList<>();

    private Builder() {}

    public Builder basePath(String path) {
      this.basePath = Objects.requireNonNull(path, "basePath");
      return this;
    }

    /** Validates deliveries to {@code name} against {@code schemaUri}. */
    public Builder hook(String name, String schemaUri) {
      schemas.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(schemaUri, "schemaUri"));
      return this;
    }

    /** The schema of deliveries to unmapped names; none (not validated) by default. */
    public Builder defaultSchema(String schemaUri) {
      this.defaultSchema = schemaUri;
      return this;
    }

    /** Whether names without a mapping are accepted (the default) or answered 404. */
    public Builder allowUnmappedHooks(boolean allow) {
      this.allowUnmapped = allow;
      return this;
    }

    public Builder stream(String stream) {
      this.stream = Objects.requireNonNull(stream, "stream");
      return this;
    }

    /** Headers whose value becomes the envelope id, first present wins (such as {@code X-GitHub-Delivery}). */
    public Builder idHeaders(String... headers) {
      for (String h : headers) {
        idHeaders.add(Objects.requireNonNull(h, "header"));
      }
      return this;
    }

    public WebhookInput build() {
      PathName.requireBasePath("basePath", basePath);
      if (!PathName.isValid(stream)) {
        throw new IllegalArgumentException("invalid stream name");
      }
      for (Map.Entry<String, String> e : schemas.entrySet()) {
        if (!PathName.isValid(e.getKey())) {
          throw new IllegalArgumentException("invalid webhook name '" + e.getKey() + "'");
        }
        SchemaUri.parse(e.getValue());
      }
      if (defaultSchema != null) {
        SchemaUri.parse(defaultSchema);
      }
      return new WebhookInput(this);
    }
  }
}
