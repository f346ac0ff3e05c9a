package dev.eventkit.servlet;

/** The servlet adapter in embedded Tomcat 10.1. */
class TomcatServletTest extends ServletContainerContract {

  @Override
  ServletContainer container() {
    return new TomcatContainer();
  }
}
