package dev.eventkit.servlet;

import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.http.HttpServlet;
import java.nio.file.Path;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.startup.Tomcat;

/** Embedded Tomcat 10.1 (Servlet 6.0). */
final class TomcatContainer implements ServletContainer {

  private Tomcat tomcat;

  @Override
  public int start(HttpServlet servlet, String mapping, int maxThreads, Path workDir) throws Exception {
    Context context = context(maxThreads, workDir);
    Wrapper w = Tomcat.addServlet(context, "eventkit", servlet);
    w.setAsyncSupported(true);
    context.addServletMappingDecoded(mapping, "eventkit");
    tomcat.start();
    return tomcat.getConnector().getLocalPort();
  }

  /**
   * Starts the container with an application that registers its own servlets at start-up, as a web application's
   * {@link ServletContainerInitializer} does; returns the port.
   */
  int start(ServletContainerInitializer application, int maxThreads, Path workDir) throws Exception {
    context(maxThreads, workDir).addServletContainerInitializer(application, null);
    tomcat.start();
    return tomcat.getConnector().getLocalPort();
  }

  private Context context(int maxThreads, Path workDir) {
    tomcat = new Tomcat();
    tomcat.setBaseDir(workDir.resolve("tomcat").toString());
    tomcat.setHostname("127.0.0.1");
    tomcat.setPort(0);
    tomcat.getConnector().setProperty("address", "127.0.0.1");
    tomcat.getConnector().setProperty("maxThreads", Integer.toString(maxThreads));
    tomcat.getConnector().setProperty("minSpareThreads", "1");
    return tomcat.addContext("", workDir.toString());
  }

  @Override
  public void close() throws Exception {
    if (tomcat != null) {
      tomcat.stop();
      tomcat.destroy();
    }
  }
}
