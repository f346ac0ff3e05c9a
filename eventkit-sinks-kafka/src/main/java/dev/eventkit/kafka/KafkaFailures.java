package dev.eventkit.kafka;

import dev.eventkit.sink.Failure;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Sorts a producer's send errors into retryable and permanent {@link Failure}s. Permanent: what the broker refuses
 * for the record itself or for good (too large, an invalid topic, a malformed record, missing authorization or
 * credentials). Retryable: {@link RetriableException}s (timeouts, leader changes, an unreachable broker) and
 * anything unknown — a wrong guess towards retrying costs a delay, towards permanent it would dead-letter an
 * event that could have been delivered. Reasons name the exception class only, never its message.
 */
final class KafkaFailures {

  private KafkaFailures() {}

  static Failure classify(Throwable error) {
    String name = error.getClass().getSimpleName();
    if (error instanceof RecordTooLargeException || error instanceof RecordBatchTooLargeException) {
      return Failure.permanent("record too large for Kafka: " + name);
    }
    if (error instanceof InvalidTopicException || error instanceof InvalidRecordException
        || error instanceof SerializationException || error instanceof AuthorizationException
        || error instanceof AuthenticationException) {
      return Failure.permanent("Kafka refused the record: " + name);
    }
    // RetriableException and anything unknown.
    return Failure.retryable((error instanceof RetriableException ? "Kafka send failed: " : "Kafka error: ") + name);
  }
}
