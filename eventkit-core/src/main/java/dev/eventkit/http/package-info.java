/**
 * The HTTP-stack-agnostic collector: {@link dev.eventkit.http.Collector} routes a request to its
 * {@link dev.eventkit.http.Input inputs} (tracking protocols) and {@link dev.eventkit.http.Endpoint endpoints} and
 * answers 2xx only once events are durable; host adapters (the JDK server here) feed it requests.
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.http;
