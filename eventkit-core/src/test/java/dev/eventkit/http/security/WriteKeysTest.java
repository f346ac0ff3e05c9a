package dev.eventkit.http.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Write keys from text and files, plain or as SHA-256 digests, with paths and streams; credentials from headers. */
class WriteKeysTest {

  @TempDir
  Path dir;

  @Test
  void entriesWithDigestsPathsStreamsAndComments() throws Exception {
    Path file = dir.resolve("keys");
    Files.writeString(file, "# keys for the shop\n"
        + "wk_plain_1   name=web   paths=/collect/*,/v1/*   streams=web,default\n"
        + "sha256:" + WriteKeys.sha256Hex("wk_hashed_2").toUpperCase() + " name=server  # the backend\n\n");
    WriteKeys keys = WriteKeys.builder().file(file).entries("wk_third_3 paths=/i").build();
    assertThat(keys.size()).isEqualTo(3);

    WriteKeys.Key web = keys.find("wk_plain_1");
    assertThat(web.name()).isEqualTo("web");
    assertThat(web.allowsPath("/collect")).isTrue();
    assertThat(web.allowsPath("/collect/web")).isTrue();
    assertThat(web.allowsPath("/collectx")).isFalse();
    assertThat(web.allowsPath("/i")).isFalse();
    assertThat(web.allowsStream("web")).isTrue();
    assertThat(web.allowsStream("backoffice")).isFalse();
    assertThat(web.toString()).doesNotContain("wk_plain_1");

    WriteKeys.Key server = keys.find("wk_hashed_2");
    assertThat(server.name()).isEqualTo("server");
    assertThat(server.allowsPath("/anything")).isTrue();
    assertThat(server.allowsStream("anything")).isTrue();
    assertThat(keys.find("wk_third_3").name()).isEqualTo("#3");

    assertThat(keys.find("sha256:" + WriteKeys.sha256Hex("wk_hashed_2"))).as("a digest is no key").isNull();
    assertThat(keys.find("wk_plain_")).isNull();
    assertThat(keys.find("")).isNull();
    assertThat(keys.find(null)).isNull();
    assertThat(WriteKeys.parse("a;b;c").size()).isEqualTo(3);
  }

  @Test
  void configurationErrorsNameThePositionNeverTheKey() {
    for (String bad : new String[] {"sha256:abc", "wk_secret_9 paths=collect", "wk_secret_9 streams=a b",
        "wk_secret_9 colour=red", "wk_secret_9 name=a/b", "wk_secret_9 paths=/a/*/b"}) {
      assertThatThrownBy(() -> WriteKeys.parse("ok_key\n" + bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("write key entry 2").hasMessageNotContaining("wk_secret_9");
    }
  }

  @Test
  void credentialsFromAuthorization() {
    String basic = Base64.getEncoder().encodeToString("wk_1:".getBytes(StandardCharsets.UTF_8));
    assertThat(WriteKeys.fromAuthorization("Basic " + basic)).isEqualTo("wk_1");
    assertThat(WriteKeys.fromAuthorization("basic " + Base64.getEncoder().encodeToString(
        "wk_2".getBytes(StandardCharsets.UTF_8)))).isEqualTo("wk_2");
    assertThat(WriteKeys.fromAuthorization("Bearer  wk_3 ")).isEqualTo("wk_3");
    assertThat(WriteKeys.fromAuthorization("Basic !!!")).isNull();
    assertThat(WriteKeys.fromAuthorization("Basic " + Base64.getEncoder().encodeToString(":pw".getBytes(
        StandardCharsets.UTF_8)))).isNull();
    assertThat(WriteKeys.fromAuthorization("Digest x")).isNull();
    assertThat(WriteKeys.fromAuthorization("Bearer")).isNull();
    assertThat(WriteKeys.fromAuthorization(null)).isNull();
  }

  @Test
  void pathAccessAndQueryKeyRemoval() {
    WriteKeys keys = WriteKeys.builder().key("k").openPath("/i").queryKeyPath("/pixel/*").queryParameter("ek")
        .build();
    assertThat(keys.access("/i")).isEqualTo(WriteKeys.Access.OPEN);
    assertThat(keys.access("/pixel/open")).isEqualTo(WriteKeys.Access.QUERY_KEY);
    assertThat(keys.access("/collect")).isEqualTo(WriteKeys.Access.KEY);
    assertThat(keys.withoutQueryParameter("a=1&ek=k&b=2")).isEqualTo("a=1&b=2");
    assertThat(keys.withoutQueryParameter("e%6B=k&ek&b")).isEqualTo("b");
    assertThat(keys.withoutQueryParameter("ek=k")).isNull();
    assertThat(keys.withoutQueryParameter("a=1&&b=%zz")).isEqualTo("a=1&&b=%zz");
    assertThat(keys.withoutQueryParameter(null)).isNull();
  }
}
