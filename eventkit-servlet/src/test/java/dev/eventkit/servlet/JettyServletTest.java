package dev.eventkit.servlet;

/** The servlet adapter in embedded Jetty 12 (ee10). */
class JettyServletTest extends ServletContainerContract {

  @Override
  ServletContainer container() {
    return new JettyContainer();
  }
}
