/**
 * Test support for applications and extensions built on eventkit: {@link dev.eventkit.testing.EventkitExtension}
 * (a JUnit 5 extension giving each test a started pipeline and collector), {@link dev.eventkit.testing.EventkitAssertions}
 * (AssertJ assertions that wait for deliveries instead of sleeping), and contract test kits that sink and log
 * authors extend: {@link dev.eventkit.testing.SinkContract} and {@link dev.eventkit.testing.RingBufferContract}.
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.testing;
