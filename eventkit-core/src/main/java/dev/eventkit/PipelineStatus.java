package dev.eventkit;

import dev.eventkit.buffer.RingBufferStats;
import dev.eventkit.delivery.SinkStatus;
import java.util.List;

/**
 * A snapshot of a pipeline's health: whether it takes events, how full its log is, and each sink's delivery.
 * Immutable and thread-safe.
 *
 * @param accepting whether {@link Pipeline#collect} currently accepts events
 * @param log the log's fill level
 * @param sinks each sink's state, the invalid and dead-letter sinks included
 * @param accepted events appended since start
 * @param invalid of those, events marked invalid
 */
public record PipelineStatus(boolean accepting, RingBufferStats log, List<SinkStatus> sinks, long accepted,
    long invalid) {}
