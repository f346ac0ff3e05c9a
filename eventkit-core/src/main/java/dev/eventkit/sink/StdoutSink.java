package dev.eventkit.sink;

import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Writes each envelope as one line of JSON (the {@link EnvelopeCodec} form) to standard output, for development
 * and for hosts whose log shipper collects stdout. It writes payloads, so keep it out of logs that must not hold
 * user data.
 *
 * <p>Thread-safe: writes are serialised. A failed write is reported as retryable.
 */
public final class StdoutSink implements Sink {

  private final String name;
  private final OutputStream out;

  public StdoutSink() {
    this("stdout", new FileOutputStream(FileDescriptor.out));
  }

  /** A sink writing to any stream (which it does not close); for tests and for redirecting. */
  public StdoutSink(String name, OutputStream out) {
    this.name = name;
    this.out = new BufferedOutputStream(out, 64 * 1024);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public CompletableFuture<WriteResult> write(List<Envelope> batch) {
    try {
      synchronized (out) {
        for (Envelope e : batch) {
          EnvelopeCodec.writeTo(e, out);
          out.write('\n');
        }
        out.flush();
      }
      return CompletableFuture.completedFuture(WriteResult.success());
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.completedFuture(WriteResult.failed(Failure.retryable("stdout write failed")));
    }
  }
}
