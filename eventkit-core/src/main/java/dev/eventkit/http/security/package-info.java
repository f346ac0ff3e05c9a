/**
 * Protections for a collector facing the public internet, each its own policy and each configured on
 * {@link dev.eventkit.http.Collector.Builder}: write keys ({@link dev.eventkit.http.security.WriteKeys}), browser
 * origins ({@link dev.eventkit.http.security.CorsPolicy}), rate limits
 * ({@link dev.eventkit.http.security.RateLimits}), the client address behind proxies
 * ({@link dev.eventkit.http.security.ClientAddressPolicy}), address truncation
 * ({@link dev.eventkit.http.security.IpAnonymizer}), the headers inputs may keep
 * ({@link dev.eventkit.http.security.HeaderPolicy}) and the access log
 * ({@link dev.eventkit.http.security.AccessLog}). The policies know nothing of HTTP stacks or of the collector's
 * request types: they work on strings and header maps, so any host can use them.
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.http.security;
