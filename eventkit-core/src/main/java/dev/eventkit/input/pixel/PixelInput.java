package dev.eventkit.input.pixel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventkit.event.Envelope;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.http.Input;
import dev.eventkit.http.Intake;
import dev.eventkit.http.Rejection;
import dev.eventkit.http.RequestContext;
import dev.eventkit.http.Route;
import dev.eventkit.http.TruncatedValues;
import dev.eventkit.internal.http.JsonBody;
import dev.eventkit.internal.http.PathName;
import dev.eventkit.internal.json.Json;
import dev.eventkit.schema.SchemaUri;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Tracking pixels and click redirects on {@code GET /pixel/{name}} (base path configurable), for places that can
 * only load an image or follow a link (e-mails, third-party pages).
 *
 * <p>The payload is a JSON object: the query parameters (one value as a string, repeated ones as an array of
 * strings), merged with the object encoded in the base64 parameter ({@code data} by default; standard or URL-safe
 * alphabet, padding optional). A key given both ways is 400. The redirect parameter ({@code redirect}) is not part
 * of the payload: when present, it must be an absolute http(s) URL whose host is on the allow-list (exact, or
 * {@code *.example.com} for subdomains), the answer is 302 to it, and the target is recorded in attribute
 * {@code redirect}; any other target is 400 and nothing is recorded, so the route cannot serve as an open
 * redirect. Otherwise the answer is a 1×1 transparent GIF that caches nowhere.
 *
 * <p>The schema is the one mapped to the pixel's name, or the default, or none. The envelope records the name in
 * attribute {@code pixel} and the {@code Referer} in {@code referer} (cut to {@link TruncatedValues#MAX_REFERER}
 * characters, the cut recorded). Bad input is answered with a JSON 4xx (not a
 * GIF). Immutable and thread-safe.
 */
public final class PixelInput implements Input {

  /** Protocol name recorded in envelopes. */
  public static final String PROTOCOL = "pixel";

  private static final int MAX_PARAMETERS = 100;

  private final String basePath;
  private final Map<String, String> schemas;
  private final String defaultSchema;
  private final boolean allowUnmapped;
  private final String stream;
  private final String base64Parameter;
  private final String redirectParameter;
  private final List<String> redirectHosts;

  private PixelInput(Builder b) {
    this.basePath = b.basePath;
    this.schemas = Map.copyOf(b.schemas);
    this.defaultSchema = b.defaultSchema;
    this.allowUnmapped = b.allowUnmapped;
    this.stream = b.stream;
    this.base64Parameter = b.base64Parameter;
    this.redirectParameter = b.redirectParameter;
    this.redirectHosts = List.copyOf(b.redirectHosts);
  }

  /** Pixels at {@code /pixel/{name}}, any name, no schemas, no redirects. */
  public static PixelInput create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public List<Route> routes() {
    return List.of(Route.get(basePath + "/{name}"));
  }

  @Override
  public Intake read(HttpRequest request, RequestContext context) {
    String name = context.pathParameter("name", "");
    if (!PathName.isValid(name)) {
      return Intake.rejected(Rejection.badRequest("invalid_name",
          "a pixel name is 1-128 letters, digits, '.', '_' or '-'", "name"));
    }
    String schema = schemas.get(name);
    if (schema == null) {
      if (!allowUnmapped) {
        return Intake.rejected(new Rejection(404, "unknown_pixel", "no pixel of this name", "name"));
      }
      schema = defaultSchema;
    }
    Map<String, List<String>> query = request.queryParameters();
    if (query.size() > MAX_PARAMETERS) {
      return Intake.rejected(Rejection.badRequest("too_many_parameters",
          "a pixel takes at most " + MAX_PARAMETERS + " query parameters", null));
    }
    ObjectNode payload = Json.object();
    List<String> encoded = query.get(base64Parameter);
    if (encoded != null) {
      if (encoded.size() != 1) {
        return Intake.rejected(Rejection.badRequest("wrong_value", "the base64 parameter is given more than once",
            base64Parameter));
      }
      JsonNode decoded = decode(encoded.get(0));
      if (decoded == null || !decoded.isObject()) {
        return Intake.rejected(Rejection.badRequest("wrong_format",
            "the base64 parameter must hold a base64-encoded JSON object", base64Parameter));
      }
      payload = (ObjectNode) decoded;
    }
    for (Map.Entry<String, List<String>> p : query.entrySet()) {
      String key = p.getKey();
      if (key.equals(base64Parameter) || key.equals(redirectParameter)) {
        continue;
      }
      if (payload.has(key)) {
        return Intake.rejected(Rejection.badRequest("duplicate_field",
            "a field is given both in the base64 parameter and as a query parameter",
            PathName.isValid(key) ? key : null)); // an answer never repeats a name that is not plain
      }
      if (p.getValue().size() == 1) {
        payload.put(key, p.getValue().get(0));
      } else {
        ArrayNode values = payload.putArray(key);
        p.getValue().forEach(values::add);
      }
    }
    Envelope.Builder b = context.envelope(PROTOCOL).stream(stream).schema(schema).payload(payload)
        .attribute("pixel", name);
    String referer = request.header("Referer");
    if (referer != null) {
      b.attribute("referer", TruncatedValues.cut(referer, TruncatedValues.MAX_REFERER));
      if (referer.length() > TruncatedValues.MAX_REFERER) {
        b.attribute(TruncatedValues.ATTRIBUTE, "referer");
      }
    }
    List<String> redirect = query.get(redirectParameter);
    if (redirect != null) {
      if (redirect.size() != 1 || !redirectAllowed(redirect.get(0))) {
        return Intake.rejected(Rejection.badRequest("redirect_not_allowed",
            "the redirect target is not an allowed http(s) URL", redirectParameter));
      }
      b.attribute("redirect", redirect.get(0));
    }
    return Intake.of(List.of(b.build()), List.of());
  }

  /** The GIF, or a 302 to the event's allowed redirect target; bad input is answered as JSON. */
  @Override
  public HttpResponse respond(Intake intake, RequestContext context) {
    if (intake.rejection() != null || !intake.rejected().isEmpty() || intake.envelopes().isEmpty()) {
      return Input.super.respond(intake, context);
    }
    String target = intake.envelopes().get(0).attributes().get("redirect");
    if (target != null) {
      return HttpResponse.empty(302).withHeader("Location", target)
          .withHeader("Cache-Control", "no-cache, no-store, must-revalidate");
    }
    return HttpResponse.pixel();
  }

  private static JsonNode decode(String text) {
    String s = text.trim().replace('+', '-').replace('/', '_').replace(' ', '-');
    while (s.endsWith("=")) {
      s = s.substring(0, s.length() - 1);
    }
    byte[] bytes;
    try {
      bytes = Base64.getUrlDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      return null;
    }
    // As a body would be: strict UTF-8, one JSON value.
    JsonBody parsed = JsonBody.parse(bytes);
    return parsed.isRejected() ? null : parsed.node();
  }

  private boolean redirectAllowed(String target) {
    URI uri;
    try {
      uri = new URI(target);
    } catch (URISyntaxException e) {
      return false;
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null || uri.getUserInfo() != null) {
      return false;
    }
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    for (String allowed : redirectHosts) {
      if (allowed.startsWith("*.") ? host.endsWith(allowed.substring(1)) : host.equals(allowed)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Configures a {@link PixelInput}; not thread-safe. Defaults: base path {@code /pixel}, unmapped names accepted
   * without a schema, stream {@code default}, base64 parameter {@code data}, redirect parameter {@code redirect},
   * no redirect hosts (every redirect refused). {@link #build()} throws {@link IllegalArgumentException} for a
   * malformed schema URI, name, stream, path or host pattern.
   */
  public static final class Builder {
    private String basePath = "/pixel";
    private final Map<String, String> schemas = new LinkedHashMap<>();
    private String defaultSchema;
    private boolean allowUnmapped = true;
    private String stream = Envelope.DEFAULT_STREAM;
    private String base64Parameter = "data";
    private String redirectParameter = "redirect";
    private final List<String> redirectHosts = new ArrayList<>();

    private Builder() {}

    public Builder basePath(String path) {
      this.basePath = Objects.requireNonNull(path, "basePath");
      return this;
    }

    /** Validates hits on {@code name} against {@code schemaUri}. */
    public Builder pixel(String name, String schemaUri) {
      schemas.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(schemaUri, "schemaUri"));
      return this;
    }

    /** The schema of hits on unmapped names; none (not validated) by default. */
    public Builder defaultSchema(String schemaUri) {
      this.defaultSchema = schemaUri;
      return this;
    }

    /** Whether names without a mapping are accepted (the default) or answered 404. */
    public Builder allowUnmappedPixels(boolean allow) {
      this.allowUnmapped = allow;
      return this;
    }

    public Builder stream(String stream) {
      this.stream = Objects.requireNonNull(stream, "stream");
      return this;
    }

    public Builder base64Parameter(String name) {
      this.base64Parameter = Objects.requireNonNull(name, "base64Parameter");
      return this;
    }

    public Builder redirectParameter(String name) {
      this.redirectParameter = Objects.requireNonNull(name, "redirectParameter");
      return this;
    }

    /** Allows redirects to {@code host}, or to every subdomain of it when written {@code *.example.com}. */
    public Builder allowRedirectHost(String host) {
      redirectHosts.add(Objects.requireNonNull(host, "host").toLowerCase(Locale.ROOT));
      return this;
    }

    public PixelInput build() {
      PathName.requireBasePath("basePath", basePath);
      if (!PathName.isValid(stream)) {
        throw new IllegalArgumentException("invalid stream name");
      }
      if (base64Parameter.isEmpty() || redirectParameter.isEmpty() || base64Parameter.equals(redirectParameter)) {
        throw new IllegalArgumentException("the base64 and redirect parameters are distinct, non-empty names");
      }
      for (Map.Entry<String, String> e : schemas.entrySet()) {
        if (!PathName.isValid(e.getKey())) {
          throw new IllegalArgumentException("invalid pixel name '" + e.getKey() + "'");
        }
        SchemaUri.parse(e.getValue());
      }
      if (defaultSchema != null) {
        SchemaUri.parse(defaultSchema);
      }
      for (String h : redirectHosts) {
        String bare = h.startsWith("*.") ? h.substring(2) : h;
        if (bare.isEmpty() || !bare.matches("[a-z0-9.-]+") || bare.startsWith(".") || bare.contains("*")) {
          throw new IllegalArgumentException("invalid redirect host '" + h + "'");
        }
      }
      return new PixelInput(this);
    }
  }
}
