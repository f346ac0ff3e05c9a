/**
 * Apache Kafka for eventkit: {@link dev.eventkit.kafka.KafkaSink} (an idempotent producer with per-event
 * outcomes) and {@link dev.eventkit.kafka.KafkaQueue} (the distributed mode: collectors publish their log to a
 * topic, workers in a consumer group deliver it to sinks).
 */
package dev.eventkit.kafka;
