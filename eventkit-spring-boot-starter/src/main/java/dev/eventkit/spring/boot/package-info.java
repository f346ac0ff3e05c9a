/**
 * Spring Boot 3 integration: {@link dev.eventkit.spring.boot.EventkitAutoConfiguration} configures a pipeline, a
 * collector and its servlet from {@link dev.eventkit.spring.boot.EventkitProperties eventkit.* properties}.
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.spring.boot;
