package dev.eventkit.netty;

import dev.eventkit.http.Collector;
import dev.eventkit.netty.internal.ConnectionInitializer;
import dev.eventkit.netty.internal.Drain;
import dev.eventkit.netty.internal.HostSettings;
import dev.eventkit.netty.internal.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A production HTTP/1.1 host for a {@link Collector} on Netty: a few event-loop threads serve every connection,
 * and a response is written when {@link Collector#handle} completes, so no thread waits while the log commits and
 * slow clients cost a connection, not a thread. Keep-alive and pipelining are supported (responses in request
 * order). Linux x86_64 uses the native epoll transport, everything else Java NIO.
 *
 * <pre>{@code
 * NettyHost host = NettyHost.builder(collector).port(8080).build().start();
 * ...
 * host.shutdown().get(15, TimeUnit.SECONDS);   // then close the pipeline
 * }</pre>
 *
 * <p>Limits, each answered with a JSON body in the collector's error format (never Netty's plain or HTML pages):
 * a body larger than {@link Collector#maxBodyBytes()} gets 413 (its rest is read and dropped on a keep-alive
 * connection); an unparseable request 400, an over-long request line 414, over-large headers 431 (the connection
 * closes after these); a request whose headers do not arrive within the {@linkplain Builder#headerTimeout header
 * timeout} of its first byte, or whose body falls below the {@linkplain Builder#minBodyBytesPerSecond minimum
 * rate} after the {@linkplain Builder#bodyTimeout body timeout}, gets 408 and the connection closes; a connection
 * with nothing in progress for the {@linkplain Builder#idleTimeout idle timeout} is closed. Connections beyond
 * {@linkplain Builder#maxConnections the cap} are closed as soon as they are accepted.
 *
 * <p>{@code Collector.handle} runs on the connection's event loop unless a {@linkplain Builder#requestExecutor
 * request executor} is given: inputs and validation must not block (a remote schema registry may: give it an
 * executor then).
 *
 * <p>Thread-safe. {@link #start} once; {@link #shutdown} stops accepting, lets each connection finish the requests
 * it has read (answering them with {@code Connection: close}), closes whatever is still open after the grace
 * period, and stops the event loops; it does not close the collector's pipeline, which the caller closes after
 * the returned future completes. Failure modes: {@link #start} throws {@link IOException} when the address cannot
 * be bound (the event loops are stopped again); I/O errors on a connection close that connection only and are
 * logged at debug level.
 */
public final class NettyHost implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(NettyHost.class);

  private final Collector collector;
  private final Builder settings;
  private final Transport transport;
  private EventLoopGroup loops;
  private Channel listener;
  private ChannelGroup channels;
  private ConnectionInitializer connections;
  private CompletableFuture<Void> stopped;

  private NettyHost(Builder b) {
    this.collector = b.collector;
    this.settings = b;
    this.transport = Transport.select(b.nativeTransport);
  }

  /** A builder for a host serving {@code collector}. */
  public static Builder builder(Collector collector) {
    return new Builder(collector);
  }

  /**
   * Binds the address and starts serving; returns this host.
   *
   * @throws IOException if the address cannot be bound (in use, not local, no permission)
   * @throws IllegalStateException if the host was started before
   */
  public synchronized NettyHost start() throws IOException {
    if (loops != null) {
      throw new IllegalStateException("the host was already started");
    }
    loops = new MultiThreadIoEventLoopGroup(settings.eventLoopThreads,
        new DefaultThreadFactory("eventkit-netty", false), transport.ioHandlers());
    channels = new DefaultChannelGroup("eventkit-connections", GlobalEventExecutor.INSTANCE);
    HostSettings limits = new HostSettings(collector.maxBodyBytes(), settings.maxRequestLineBytes,
        settings.maxHeaderBytes, settings.headerTimeout.toNanos(), settings.bodyTimeout.toNanos(),
        settings.minBodyBytesPerSecond, settings.idleTimeout.toNanos(), settings.maxPipelinedRequests,
        settings.requestExecutor);
    connections = new ConnectionInitializer(collector, limits, settings.maxConnections, channels);
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(loops)
        .channel(transport.serverChannel())
        .option(ChannelOption.SO_BACKLOG, settings.backlog)
        .option(ChannelOption.SO_REUSEADDR, true)
        // Small keep-alive responses must not wait for the client's delayed ACK.
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(connections);
    InetSocketAddress address = new InetSocketAddress(settings.bindAddress, settings.port);
    ChannelFuture bound = bootstrap.bind(address).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      loops.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
      Throwable cause = bound.cause();
      if (cause instanceof IOException) {
        throw new IOException("cannot listen on " + address + ": " + cause.getMessage(), cause);
      }
      throw new IOException("cannot listen on " + address, cause);
    }
    listener = bound.channel();
    LOG.info("HTTP host listening on {} ({}, {} event loops)", listener.localAddress(), transport.name(),
        settings.eventLoopThreads);
    return this;
  }

  /** The port listened on (the chosen one when the builder's port was 0). */
  public int port() {
    return address().getPort();
  }

  /** The address listened on. */
  public InetSocketAddress address() {
    Channel l = requireStarted();
    return (InetSocketAddress) l.localAddress();
  }

  /** {@code epoll} or {@code nio}. */
  public String transport() {
    return transport.name();
  }

  /** Connections open now. */
  public int openConnections() {
    requireStarted();
    return connections.openConnections();
  }

  /** Connections closed on arrival because {@link Builder#maxConnections} were open. */
  public long refusedConnections() {
    requireStarted();
    return connections.refusedConnections();
  }

  /** {@link #shutdown(Duration)} with the builder's {@linkplain Builder#shutdownGrace grace period}. */
  public CompletableFuture<Void> shutdown() {
    return shutdown(settings.shutdownGrace);
  }

  /**
   * Stops accepting connections, asks every open connection to answer what it has read and close, force-closes
   * those still open after {@code grace}, then stops the event loops. The future completes when all of that is
   * done (never exceptionally); calling again returns the same future.
   */
  public synchronized CompletableFuture<Void> shutdown(Duration grace) {
    Objects.requireNonNull(grace, "grace");
    if (stopped != null) {
      return stopped;
    }
    stopped = new CompletableFuture<>();
    if (loops == null) {
      stopped.complete(null);
      return stopped;
    }
    CompletableFuture<Void> done = stopped;
    listener.close().addListener(closed -> {
      var allClosed = channels.newCloseFuture();
      for (Channel c : channels) {
        c.pipeline().fireUserEventTriggered(Drain.INSTANCE);
      }
      var force = GlobalEventExecutor.INSTANCE.schedule(() -> {
        if (!channels.isEmpty()) {
          LOG.info("closing {} connections still open after the shutdown grace period", channels.size());
        }
        channels.close();
      }, Math.max(0, grace.toMillis()), TimeUnit.MILLISECONDS);
      allClosed.addListener(all -> {
        force.cancel(false);
        loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).addListener(t -> done.complete(null));
      });
    });
    return stopped;
  }

  /** {@link #shutdown()}, waiting for it at most the grace period plus five seconds. */
  @Override
  public void close() {
    try {
      shutdown().get(settings.shutdownGrace.toMillis() + 5_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("the HTTP host did not stop in time: {}", e.toString());
    }
  }

  private synchronized Channel requireStarted() {
    if (listener == null) {
      throw new IllegalStateException("the host is not started");
    }
    return listener;
  }

  /**
   * Configures a {@link NettyHost}; not thread-safe. Defaults: port 8080 on 0.0.0.0; one event loop per
   * processor; at most 10,000 connections; headers within 10 s of a request's first byte; a body at least 1 KiB/s
   * after 10 s; idle connections closed after 60 s; 16 pipelined requests read ahead; request line 8 KiB, headers
   * 16 KiB; 10 s shutdown grace; native transport where available; {@code Collector.handle} on the event loop.
   */
  public static final class Builder {
    private final Collector collector;
    private int port = 8080;
    private String bindAddress = "0.0.0.0";
    private int eventLoopThreads = Runtime.getRuntime().availableProcessors();
    private int maxConnections = 10_000;
    private int backlog = 1024;
    private Duration headerTimeout = Duration.ofSeconds(10);
    private Duration bodyTimeout = Duration.ofSeconds(10);
    private long minBodyBytesPerSecond = 1024;
    private Duration idleTimeout = Duration.ofSeconds(60);
    private int maxPipelinedRequests = 16;
    private int maxRequestLineBytes = 8 * 1024;
    private int maxHeaderBytes = 16 * 1024;
    private Duration shutdownGrace = Duration.ofSeconds(10);
    private boolean nativeTransport = true;
    private Executor requestExecutor;

    private Builder(Collector collector) {
      this.collector = Objects.requireNonNull(collector, "collector");
    }

    /** The TCP port; 0 picks a free one ({@link NettyHost#port()} tells which). */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be between 0 and 65535");
      }
      this.port = port;
      return this;
    }

    /** The local address to listen on, such as {@code 127.0.0.1} or {@code 0.0.0.0} (all). */
    public Builder bindAddress(String address) {
      this.bindAddress = Objects.requireNonNull(address, "address");
      return this;
    }

    /** Event-loop threads serving all connections. */
    public Builder eventLoopThreads(int threads) {
      this.eventLoopThreads = positive(threads, "eventLoopThreads");
      return this;
    }

    /** Connections open at once; more are closed as soon as they are accepted. */
    public Builder maxConnections(int max) {
      this.maxConnections = positive(max, "maxConnections");
      return this;
    }

    /** The listen backlog: connections the kernel queues before they are accepted. */
    public Builder backlog(int backlog) {
      this.backlog = positive(backlog, "backlog");
      return this;
    }

    /** How long a client may take from the first byte of a request to the end of its headers. */
    public Builder headerTimeout(Duration timeout) {
      this.headerTimeout = positive(timeout, "headerTimeout");
      return this;
    }

    /** The time a body may take beyond what {@link #minBodyBytesPerSecond} allows for the bytes received. */
    public Builder bodyTimeout(Duration timeout) {
      this.bodyTimeout = positive(timeout, "bodyTimeout");
      return this;
    }

    /** The slowest body upload tolerated, once the {@link #bodyTimeout} grace is used up. */
    public Builder minBodyBytesPerSecond(long bytesPerSecond) {
      if (bytesPerSecond < 1) {
        throw new IllegalArgumentException("minBodyBytesPerSecond must be positive");
      }
      this.minBodyBytesPerSecond = bytesPerSecond;
      return this;
    }

    /** How long a connection may stay open with no request in progress and no response owed. */
    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = positive(timeout, "idleTimeout");
      return this;
    }

    /** Requests read ahead of their responses on one connection before the host stops reading it. */
    public Builder maxPipelinedRequests(int max) {
      this.maxPipelinedRequests = positive(max, "maxPipelinedRequests");
      return this;
    }

    /** The longest request line (method, target, version); longer ones are answered 414. */
    public Builder maxRequestLineBytes(int bytes) {
      this.maxRequestLineBytes = positive(bytes, "maxRequestLineBytes");
      return this;
    }

    /** The most bytes of headers in a request; more are answered 431. */
    public Builder maxHeaderBytes(int bytes) {
      this.maxHeaderBytes = positive(bytes, "maxHeaderBytes");
      return this;
    }

    /** How long {@link NettyHost#shutdown()} lets connections finish before closing them. */
    public Builder shutdownGrace(Duration grace) {
      Objects.requireNonNull(grace, "grace");
      if (grace.isNegative()) {
        throw new IllegalArgumentException("shutdownGrace must be >= 0");
      }
      this.shutdownGrace = grace;
      return this;
    }

    /** Use Linux epoll where it loads (default true); false forces Java NIO. */
    public Builder nativeTransport(boolean nativeTransport) {
      this.nativeTransport = nativeTransport;
      return this;
    }

    /**
     * Runs {@code Collector.handle} on this executor instead of the event loop, for inputs or validators that may
     * block. A rejected task is answered 503.
     */
    public Builder requestExecutor(Executor executor) {
      this.requestExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    public NettyHost build() {
      return new NettyHost(this);
    }

    private static int positive(int v, String name) {
      if (v < 1) {
        throw new IllegalArgumentException(name + " must be positive");
      }
      return v;
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(name + " must be positive");
      }
      return d;
    }
  }
}
