package dev.eventkit.servlet;

import jakarta.servlet.http.HttpServlet;
import java.nio.file.Path;

/** A real servlet container for the tests: started with one servlet, async enabled, on a loopback port. */
interface ServletContainer {

  /**
   * Starts the container serving {@code servlet} at {@code mapping} (e.g. {@code /eventkit/*}) with at most
   * {@code maxThreads} request threads; returns the port.
   */
  int start(HttpServlet servlet, String mapping, int maxThreads, Path workDir) throws Exception;

  /** Stops the container. */
  void close() throws Exception;
}
