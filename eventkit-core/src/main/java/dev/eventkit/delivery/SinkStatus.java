package dev.eventkit.delivery;

import java.time.Instant;

/**
 * A snapshot of one sink's delivery. Immutable and thread-safe.
 *
 * @param sink the sink's name
 * @param state its health
 * @param failingSince when the current run of failures began; null when not failing
 * @param lagEvents records in the log this sink has not yet consumed
 * @param lagSeconds age of the oldest record this sink has not yet consumed; 0 when caught up
 * @param delivered events delivered since start
 * @param retried delivery attempts that were retries, counted per event
 * @param deadLettered events sent to the dead-letter sink
 * @param lastError the last failure's reason; null when there was none
 * @param skippedEvents events this sink never saw because retention removed them before its cursor reached them
 *     (a sink removed from the configuration and added back later); 0 normally
 * @param heldEvents events this sink can neither deliver nor dead-letter (refused for good, or undecodable, with no
 *     dead-letter sink configured): they hold its cursor and are retried; 0 normally
 */
public record SinkStatus(String sink, SinkState state, Instant failingSince, long lagEvents, double lagSeconds,
    long delivered, long retried, long deadLettered, String lastError, long skippedEvents, long heldEvents) {}
