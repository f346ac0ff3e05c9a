package dev.eventkit.netty.internal;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * The I/O transport: Linux epoll when its native library loads (Linux x86_64), otherwise Java NIO, which works
 * everywhere. Immutable.
 *
 * @param name {@code epoll} or {@code nio}
 * @param ioHandlers the event loops' I/O handler
 * @param serverChannel the listening socket's channel class
 */
public record Transport(String name, IoHandlerFactory ioHandlers, Class<? extends ServerChannel> serverChannel) {

  /** Epoll if {@code preferNative} and available, else NIO. */
  public static Transport select(boolean preferNative) {
    if (preferNative && epollAvailable()) {
      return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class);
    }
    return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class);
  }

  private static boolean epollAvailable() {
    try {
      return Epoll.isAvailable();
    } catch (LinkageError e) {
      return false;
    }
  }
}
