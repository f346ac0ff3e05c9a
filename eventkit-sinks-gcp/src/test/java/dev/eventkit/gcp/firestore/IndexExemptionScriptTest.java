package dev.eventkit.gcp.firestore;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.Timestamp;
import dev.eventkit.event.CollectorInfo;
import dev.eventkit.event.Entity;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The index-exemption script covers every field of the sink's documents that should not be indexed: timestamps
 * (monotonically increasing, about 500 writes per second per collection while indexed), maps and arrays (one index
 * entry per nested value) and the JSON text fields. It runs against a {@code gcloud} stand-in on the PATH that
 * records its arguments.
 */
class IndexExemptionScriptTest {

  @Test
  void everyTimestampMapArrayAndJsonFieldOfADocumentIsExempted(@TempDir Path dir) throws Exception {
    Path calls = dir.resolve("calls.txt");
    Path gcloud = dir.resolve("gcloud");
    Files.writeString(gcloud, "#!/usr/bin/env bash\necho \"$*\" >> '" + calls + "'\n");
    Files.setPosixFilePermissions(gcloud, PosixFilePermissions.fromString("rwxr-xr-x"));
    ProcessBuilder pb = new ProcessBuilder("bash", "scripts/firestore-index-exemptions.sh", "my-project", "web")
        .redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile());
    pb.environment().put("PATH", dir + ":" + System.getenv("PATH"));
    Process p = pb.start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(dir.resolve("out.txt"))).isZero();

    Set<String> exempted = new TreeSet<>();
    for (String line : Files.readAllLines(calls)) {
      assertThat(line).startsWith("firestore indexes fields update ").contains("--collection-group=events_web")
          .contains("--disable-indexes").contains("--project=my-project");
      exempted.add(line.split(" ")[4]);
    }

    Envelope e = Envelope.builder().id("e-1").protocol("segment").stream("web").payloadJson("{\"a\":[1,2]}")
        .contexts(List.of(new Entity("iglu:com.acme/page/jsonschema/1-0-0", "{\"url\":\"u\"}")))
        .sentAt(Instant.parse("2026-06-01T11:59:59Z")).receivedAt(Instant.parse("2026-06-01T12:00:00Z"))
        .collector(new CollectorInfo("eventkit-test", "0.1")).validation(Validation.valid())
        .attribute("source", "unit").build();
    Set<String> unindexed = new TreeSet<>();
    for (boolean asMaps : new boolean[] {false, true}) {
      for (Map.Entry<String, Object> f : FirestoreDocuments.toDocument(e, asMaps).entrySet()) {
        Object v = f.getValue();
        boolean small = f.getKey().equals("collector"); // two short strings, equal in every document of a sink
        if (!small && (v instanceof Timestamp || v instanceof Map || v instanceof List
            || f.getKey().endsWith("Json"))) {
          unindexed.add(f.getKey());
        }
      }
    }
    assertThat(unindexed).contains("receivedAt", "sentAt", "payload", "payloadJson", "contexts");
    assertThat(exempted).containsAll(unindexed);
  }
}
