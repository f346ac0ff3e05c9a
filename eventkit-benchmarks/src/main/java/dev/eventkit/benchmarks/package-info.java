/**
 * JMH benchmarks and the HTTP load driver.
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.benchmarks;
