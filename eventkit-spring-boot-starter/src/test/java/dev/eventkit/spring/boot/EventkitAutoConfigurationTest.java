package dev.eventkit.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.buffer.RingBuffer;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.http.Collector;
import dev.eventkit.servlet.EventkitServlet;
import dev.eventkit.sink.InMemorySink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The auto-configuration in application contexts, without a web server. */
class EventkitAutoConfigurationTest {

  @TempDir
  Path dir;

  private WebApplicationContextRunner web() {
    return new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(EventkitAutoConfiguration.class))
        .withPropertyValues("eventkit.data-dir=" + dir);
  }

  @Test
  void defaultsGiveASqliteLogAStartedPipelineTheServletAtEventkitAndFileSinks() {
    web().run(ctx -> {
      assertThat(ctx).hasSingleBean(Pipeline.class).hasSingleBean(Collector.class)
          .hasSingleBean(EventkitHealthIndicator.class).hasSingleBean(EventkitLifecycle.class);
      assertThat(ctx.getBean(RingBuffer.class)).isInstanceOf(SqliteRingBuffer.class);
      assertThat(dir.resolve("wal.db")).exists();
      Pipeline pipeline = ctx.getBean(Pipeline.class);
      assertThat(pipeline.isAccepting()).isTrue();
      @SuppressWarnings("unchecked")
      ServletRegistrationBean<EventkitServlet> reg = ctx.getBean("eventkitServlet", ServletRegistrationBean.class);
      assertThat(reg.getUrlMappings()).containsExactly("/eventkit/*");
      assertThat(reg.isAsyncSupported()).isTrue();
      assertThat(pipeline.status().sinks()).extracting(s -> s.sink()).contains("file", "invalid");
    });
  }

  @Test
  void theApplicationsSinkBeansAreAddedToThePipeline() {
    web().withUserConfiguration(MemorySinkConfig.class)
        .withPropertyValues("eventkit.file-sinks.enabled=false", "eventkit.file-sinks.errors-enabled=false")
        .run(ctx -> {
          InMemorySink sink = ctx.getBean(InMemorySink.class);
          Pipeline pipeline = ctx.getBean(Pipeline.class);
          pipeline.collect(Envelope.builder().protocol("app").payloadJson("{\"hello\":1}").build()).join();
          assertThat(sink.awaitCount(1, Duration.ofSeconds(10))).hasSize(1);
          assertThat(pipeline.status().sinks()).extracting(s -> s.sink()).containsExactly("memory");
          assertThat(dir.resolve("events")).doesNotExist();
        });
  }

  @Test
  void everyBeanBacksOffForTheApplicationsOwn() {
    web().withUserConfiguration(OwnLogConfig.class).run(ctx -> {
      assertThat(ctx.getBean(RingBuffer.class)).isInstanceOf(InMemoryRingBuffer.class);
      assertThat(Files.exists(dir.resolve("wal.db"))).isFalse();
    });
    web().withUserConfiguration(OwnPipelineConfig.class).run(ctx -> {
      assertThat(ctx).hasSingleBean(Pipeline.class);
      assertThat(ctx.getBean(Pipeline.class)).isSameAs(ctx.getBean("myPipeline"));
    });
  }

  @Test
  void propertiesSetTheBasePathAndTheBodyLimit() {
    web().withPropertyValues("eventkit.base-path=/track/", "eventkit.max-body=4KB").run(ctx -> {
      ServletRegistrationBean<?> reg = ctx.getBean("eventkitServlet", ServletRegistrationBean.class);
      assertThat(reg.getUrlMappings()).containsExactly("/track/*");
      assertThat(ctx.getBean(Collector.class).maxBodyBytes()).isEqualTo(4096);
    });
  }

  @Test
  void disabledMeansNoBeansAndNoServletOutsideAWebApplication() {
    web().withPropertyValues("eventkit.enabled=false").run(ctx -> assertThat(ctx).doesNotHaveBean(Pipeline.class));
    new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(EventkitAutoConfiguration.class))
        .withPropertyValues("eventkit.data-dir=" + dir)
        .run(ctx -> {
          assertThat(ctx).hasSingleBean(Pipeline.class);
          assertThat(ctx).doesNotHaveBean("eventkitServlet");
        });
  }

  @Test
  void healthIsUpWithLogAndSinkDetailsWhileAcceptingAndDownAfterShutdown() {
    web().run(ctx -> {
      EventkitHealthIndicator indicator = ctx.getBean(EventkitHealthIndicator.class);
      Health health = indicator.health();
      assertThat(health.getStatus()).isEqualTo(Status.UP);
      assertThat(health.getDetails()).containsKeys("log", "sinks");
      @SuppressWarnings("unchecked")
      Map<String, Object> sinks = (Map<String, Object>) health.getDetails().get("sinks");
      assertThat(sinks).containsKeys("file", "invalid");
      ctx.getBean(EventkitLifecycle.class).stop();
      assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);
    });
  }

  @Test
  void closingTheContextShutsThePipelineDown() {
    Pipeline[] pipeline = new Pipeline[1];
    web().run(ctx -> pipeline[0] = ctx.getBean(Pipeline.class));
    assertThat(pipeline[0].isAccepting()).isFalse();
  }

  @Test
  void theApplicationsInterceptorBeansSeeEveryEvent() {
    web().withUserConfiguration(MemorySinkConfig.class, InterceptorConfig.class)
        .withPropertyValues("eventkit.file-sinks.enabled=false").run(ctx -> {
          ctx.getBean(Pipeline.class).collect(Envelope.builder().protocol("app").payloadJson("{}").build()).join();
          Envelope e = ctx.getBean(InMemorySink.class).awaitCount(1, Duration.ofSeconds(10)).get(0);
          assertThat(e.attributes()).containsEntry("region", "eu");
        });
  }

  @Test
  void aSinkThatNeverAnswersDoesNotHoldUpContextClose() {
    // The lifecycle bounds its wait for the pipeline; Spring goes on closing the context.
    long[] closedAfter = new long[1];
    web().withUserConfiguration(HungSinkConfig.class)
        .withPropertyValues("eventkit.shutdown-timeout=300ms", "eventkit.file-sinks.enabled=false")
        .run(ctx -> {
          ctx.getBean(Pipeline.class).collect(Envelope.builder().protocol("app").payloadJson("{}").build()).join();
          long start = System.nanoTime();
          ctx.close();
          closedAfter[0] = System.nanoTime() - start;
        });
    assertThat(Duration.ofNanos(closedAfter[0])).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void configurationMetadataDescribesTheProperties() throws Exception {
    // Written by spring-boot-configuration-processor at compile time; IDEs complete eventkit.* from it.
    try (var in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
      assertThat(in).isNotNull();
      String json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(json).contains("\"eventkit.base-path\"", "\"eventkit.data-dir\"", "\"eventkit.capacity.events\"",
          "\"eventkit.inputs.segment\"", "\"eventkit.schemas.iglu-url\"", "\"eventkit.retry.max-attempts\"",
          "\"eventkit.shutdown-timeout\"", "Path below which the collector is served");
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class MemorySinkConfig {
    @Bean
    InMemorySink memorySink() {
      return new InMemorySink("memory");
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class InterceptorConfig {
    @Bean
    dev.eventkit.EventInterceptor region() {
      return e -> e.toBuilder().attribute("region", "eu").build();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class HungSinkConfig {
    @Bean
    dev.eventkit.sink.Sink hung() {
      return new dev.eventkit.sink.Sink() {
        @Override
        public String name() {
          return "hung";
        }

        @Override
        public java.util.concurrent.CompletableFuture<dev.eventkit.sink.WriteResult> write(
            java.util.List<Envelope> batch) {
          return new java.util.concurrent.CompletableFuture<>();
        }
      };
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnLogConfig {
    @Bean
    RingBuffer myLog() {
      return new InMemoryRingBuffer();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnPipelineConfig {
    @Bean
    Pipeline myPipeline() {
      return Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).sink(new InMemorySink("x")).build();
    }
  }
}
