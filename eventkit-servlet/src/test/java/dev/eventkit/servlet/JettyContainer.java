package dev.eventkit.servlet;

import jakarta.servlet.http.HttpServlet;
import java.nio.file.Path;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** Embedded Jetty 12 (ee10, Servlet 6.0). */
final class JettyContainer implements ServletContainer {

  private Server server;

  @Override
  public int start(HttpServlet servlet, String mapping, int maxThreads, Path workDir) throws Exception {
    // Jetty's pool also runs the acceptor and the selector: those two threads come on top of the request threads.
    QueuedThreadPool pool = new QueuedThreadPool(maxThreads + 2, 2);
    server = new Server(pool);
    ServerConnector connector = new ServerConnector(server, 1, 1);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    ServletHolder holder = new ServletHolder(servlet);
    holder.setAsyncSupported(true);
    context.addServlet(holder, mapping);
    server.setHandler(context);
    server.start();
    return connector.getLocalPort();
  }

  @Override
  public void close() throws Exception {
    if (server != null) {
      server.stop();
    }
  }
}
