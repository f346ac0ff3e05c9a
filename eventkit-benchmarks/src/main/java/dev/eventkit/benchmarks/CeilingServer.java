package dev.eventkit.benchmarks;

import com.sun.net.httpserver.HttpServer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The do-nothing ceilings the HTTP benchmark compares the collector with: a server that reads each request whole
 * and answers {@code 202 {"status":"accepted"}}, storing nothing. {@code netty} is a minimal Netty server (epoll
 * where available, one event loop per processor); {@code jdk} is the JDK's built-in server on its dispatcher
 * thread. Listens on 127.0.0.1 only and prints {@code listening on port N}; runs until killed.
 *
 * <p>Usage: {@code CeilingServer netty|jdk PORT}. Not for production; stateless apart from the server itself.
 */
public final class CeilingServer {

  private static final byte[] ACCEPTED = "{\"status\":\"accepted\"}".getBytes(StandardCharsets.UTF_8);

  private CeilingServer() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2 || !(args[0].equals("netty") || args[0].equals("jdk"))) {
      System.err.println("usage: CeilingServer netty|jdk PORT");
      System.exit(2);
      return;
    }
    int port = Integer.parseInt(args[1]);
    int bound = args[0].equals("netty") ? netty(port) : jdk(port);
    System.out.println("listening on port " + bound);
    System.out.flush();
  }

  private static int jdk(int port) throws IOException {
    System.setProperty("sun.net.httpserver.nodelay", "true");
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
    server.createContext("/", exchange -> {
      try (exchange; InputStream in = exchange.getRequestBody()) {
        in.transferTo(OutputStream.nullOutputStream());
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(202, ACCEPTED.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(ACCEPTED);
        }
      }
    });
    server.start();
    return server.getAddress().getPort();
  }

  private static int netty(int port) throws InterruptedException {
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    Class<? extends ServerChannel> channel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), io);
    ByteBuf body = Unpooled.unreleasableBuffer(Unpooled.directBuffer().writeBytes(ACCEPTED));
    Channel server = new ServerBootstrap().group(group).channel(channel)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1024 * 1024),
                new SimpleChannelInboundHandler<FullHttpRequest>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
                    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                        HttpResponseStatus.ACCEPTED, body.duplicate());
                    response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                        .setInt(HttpHeaderNames.CONTENT_LENGTH, ACCEPTED.length);
                    boolean keepAlive = HttpUtil.isKeepAlive(request);
                    var write = ctx.writeAndFlush(response);
                    if (!keepAlive) {
                      write.addListener(ChannelFutureListener.CLOSE);
                    }
                  }
                });
          }
        })
        .bind("127.0.0.1", port).sync().channel();
    return ((InetSocketAddress) server.localAddress()).getPort();
  }
}
