package dev.eventkit.metrics;

/** The {@link Metrics} that records nothing. Stateless and thread-safe. */
enum NoopMetrics implements Metrics {
  INSTANCE;

  @Override
  public void accepted(String stream, long count) {}

  @Override
  public void rejected(String code, long count) {}

  @Override
  public void invalid(String error, long count) {}

  @Override
  public void delivered(String sink, long count) {}

  @Override
  public void retried(String sink, long count) {}

  @Override
  public void deadLettered(String sink, long count) {}
}
