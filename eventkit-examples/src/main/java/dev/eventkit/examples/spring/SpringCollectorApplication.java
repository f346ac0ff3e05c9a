package dev.eventkit.examples.spring;

import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring Boot web application that collects events with eventkit-spring-boot-starter and nothing else: the
 * starter's auto-configuration builds the log, the pipeline and the collector from {@code eventkit.*} properties
 * ({@code eventkit-spring.yml} here) and serves it at {@code /eventkit/*} in the application's own Tomcat, with its
 * health under {@code /actuator/health}. Add {@code Sink} beans to deliver elsewhere than the NDJSON files.
 *
 * <p>Run {@link #main} on eventkit-examples' class path (an IDE does; the shaded eventkit-collector.jar leaves Spring
 * out), then {@code curl -i -X POST localhost:8080/eventkit/collect -H 'Content-Type: application/json'
 * -d '{"type":"track","event":"Signed Up","userId":"u1"}'}. The README quotes this class.
 */
// snippet: embedding-spring
@SpringBootApplication
public class SpringCollectorApplication {

  /** Starts the application; arguments are Spring Boot's (--server.port=9090, --eventkit.*). */
  public static void main(String[] args) {
    application().run(args);
  }

  /** The application, reading eventkit-spring.yml (an application of your own reads application.yml). */
  public static SpringApplication application() {
    SpringApplication app = new SpringApplication(SpringCollectorApplication.class);
    app.setDefaultProperties(Map.of("spring.config.name", "eventkit-spring"));
    return app;
  }
}
// end of snippet
