package dev.eventkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.sink.Failure;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SqlStatesTest {

  @ParameterizedTest
  @CsvSource({"08001,true", "08006,true", "40001,true", "40P01,true", "53300,true", "57P01,true", "57P03,true",
      "57014,true", "58030,true", "XX000,true", "42P01,true", "42501,true", "25P02,true",
      "22P02,false", "22P05,false", "22001,false", "23502,false", "23505,false", "42601,false", "42703,false"})
  void statesMapToRetryableOrPermanent(String state, boolean retryable) {
    Failure f = SqlStates.classify(new SQLException("text that may quote data", state));

    assertThat(f.retryable()).isEqualTo(retryable);
    assertThat(f.reason()).isEqualTo("SQLState " + state).doesNotContain("quote data");
  }

  @Test
  void theStateIsFoundOnTheNextExceptionOrTheCause() {
    BatchUpdateException batch = new BatchUpdateException("batch", null, 0, new int[0], null);
    batch.setNextException(new SQLException("row", "22P05"));
    assertThat(SqlStates.classify(batch).retryable()).isFalse();

    SQLException wrapped = new SQLException("pool", null, new SQLException("driver", "08001"));
    assertThat(SqlStates.classify(wrapped).reason()).isEqualTo("SQLState 08001");
  }

  @Test
  void noStateAtAllIsRetryable() {
    assertThat(SqlStates.classify(new SQLException("timeout")).retryable()).isTrue();
  }

  @Test
  void tableNamesAreSanitisedAndNeverShared() {
    assertThat(PostgresSink.tableName("events_", "web")).isEqualTo("events_web");
    assertThat(PostgresSink.tableName("events_", "Web")).matches("events_web_[0-9a-f]{8}");
    assertThat(PostgresSink.tableName("events_", "a-b")).isNotEqualTo(PostgresSink.tableName("events_", "a_b"));
    assertThat(PostgresSink.tableName("events_", "x\"; DROP TABLE y; --")).matches("[a-z0-9_]+");
    assertThat(PostgresSink.tableName("events_", "s".repeat(200))).hasSize(63);
  }
}
