package dev.eventkit.internal.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.http.Rejection;
import dev.eventkit.internal.json.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A request body parsed as JSON, or the 400 rejection that says why it is not JSON: the one place inputs turn bytes
 * into a tree, so every input answers malformed, empty, too-deep and duplicate-key bodies alike.
 *
 * <p>The body must be UTF-8 (RFC 8259). It is checked with the JDK's strict decoder before Jackson sees it, since
 * Jackson's parser decodes some invalid sequences instead of refusing them: overlong forms (bytes {@code C0 BC}
 * would become '<'), encoded UTF-16 surrogates and code points above U+10FFFF. Such a body is refused as
 * {@code malformed_utf8}.
 *
 * <p>Immutable and thread-safe. Exactly one of {@code node} and {@code rejection} is non-null.
 *
 * <p>Not API: internal to eventkit's modules and may change without notice.
 */
public record JsonBody(JsonNode node, Rejection rejection) {

  /** The rejection code of a body that is not UTF-8. */
  public static final String MALFORMED_UTF8 = "malformed_utf8";

  /** Parses a body; never throws. */
  public static JsonBody parse(byte[] body) {
    if (body.length == 0) {
      return new JsonBody(null, Rejection.badRequest("empty_body", "the request body is empty", null));
    }
    if (!isUtf8(body)) {
      return new JsonBody(null, Rejection.badRequest(MALFORMED_UTF8, "the body is not valid UTF-8", null));
    }
    try {
      JsonNode node = Json.reader().readTree(body);
      if (node == null || node.isMissingNode()) {
        return new JsonBody(null, Rejection.badRequest("empty_body", "the request body is empty", null));
      }
      return new JsonBody(node, null);
    } catch (JacksonException e) {
      return new JsonBody(null, Rejection.badRequest("malformed_json", describe(e), null));
    } catch (IOException e) {
      return new JsonBody(null, Rejection.badRequest("malformed_json", "the body is not valid JSON", null));
    }
  }

  private static String describe(JacksonException e) {
    String m = e.getOriginalMessage();
    if (m != null && m.contains("nesting depth")) {
      return "the JSON is nested too deeply";
    }
    if (m != null && m.contains("Duplicate field")) {
      return "the JSON has a duplicate field";
    }
    return "the body is not valid JSON" + (e.getLocation() != null && e.getLocation().getLineNr() > 0
        ? " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")" : "");
  }

  /**
   * Whether {@code bytes} are well-formed UTF-8: no overlong forms, surrogates, code points above U+10FFFF, stray
   * continuation bytes or truncated sequences. Decodes through a small buffer, so it allocates little whatever the
   * size.
   */
  public static boolean isUtf8(byte[] bytes) {
    if (isAscii(bytes)) {
      return true;
    }
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(Math.min(bytes.length + 1, 4096));
    while (true) {
      CoderResult r = decoder.decode(in, out, true);
      if (r.isError()) {
        return false;
      }
      if (r.isUnderflow()) {
        return !decoder.flush(out).isError();
      }
      out.clear();
    }
  }

  /** Whether every byte is ASCII, which is UTF-8: the common case, checked without a decoder. */
  private static boolean isAscii(byte[] bytes) {
    for (byte b : bytes) {
      if (b < 0) {
        return false;
      }
    }
    return true;
  }

  public boolean isRejected() {
    return rejection != null;
  }
}
