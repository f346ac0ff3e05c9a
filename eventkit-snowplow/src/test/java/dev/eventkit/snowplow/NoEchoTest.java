package dev.eventkit.snowplow;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Answers to bad tracker requests never repeat what the request wrote where a name belongs. */
class NoEchoTest {

  @Test
  void aParameterNameThatIsNoPlainNameIsNotRepeated() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      HttpResponse<byte[]> r = c.post(SnowplowInput.TP2_PATH,
          ProtocolViolationTest.tp2("{\"e\":\"pv\",\"zq<script>alert(1)</script>\":1}"));
      String body = new String(r.body(), StandardCharsets.UTF_8);
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(body).contains("must be a string").doesNotContain("zq");
      // The failed event keeps the request as it was, for whoever repairs it.
      assertThat(c.awaitInvalid(1).get(0).payloadJson()).contains("zq");
    }
  }
}
