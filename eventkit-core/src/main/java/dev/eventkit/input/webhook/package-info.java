/**
 * The webhook input: any JSON body, its schema chosen by the hook's name.
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.input.webhook;
