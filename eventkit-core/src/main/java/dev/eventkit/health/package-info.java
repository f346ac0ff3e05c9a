/**
 * Components that report into a collector's health endpoint.
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.health;
