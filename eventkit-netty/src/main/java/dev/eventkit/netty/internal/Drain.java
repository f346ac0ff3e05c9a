package dev.eventkit.netty.internal;

/**
 * The user event that asks a connection to finish what it has read and then close: the host fires it on every
 * open connection when it shuts down. Stateless.
 */
public enum Drain {
  INSTANCE
}
