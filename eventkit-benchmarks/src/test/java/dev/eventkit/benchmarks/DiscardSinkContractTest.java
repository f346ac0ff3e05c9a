package dev.eventkit.benchmarks;

import dev.eventkit.testing.SinkContract;
import java.util.List;

/**
 * {@link DiscardSink} keeps eventkit-testing's sink contract as far as a sink that keeps nothing can: it only counts,
 * so the contract compares counts where it would compare ids.
 */
class DiscardSinkContractTest extends SinkContract<DiscardSink> {

  @Override
  protected DiscardSink createSink() {
    return new DiscardSink();
  }

  @Override
  protected boolean readsIds() {
    return false;
  }

  @Override
  protected long deliveredCount(DiscardSink sink) {
    return sink.delivered();
  }

  @Override
  protected List<String> deliveredIds(DiscardSink sink) {
    throw new UnsupportedOperationException("a discarding sink keeps no ids");
  }
}
