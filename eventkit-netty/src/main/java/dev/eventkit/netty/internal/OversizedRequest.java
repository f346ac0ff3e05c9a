package dev.eventkit.netty.internal;

import io.netty.handler.codec.http.HttpVersion;

/**
 * Passed down the pipeline in place of a request whose body exceeds the limit, so that its 413 is answered in
 * order with the connection's other responses.
 *
 * @param version the request's protocol version
 * @param keepAlive whether the connection can stay open after the 413 (the rest of the body is read and dropped)
 */
record OversizedRequest(HttpVersion version, boolean keepAlive) {}
