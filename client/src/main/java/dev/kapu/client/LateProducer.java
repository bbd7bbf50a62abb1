package dev.kapu.client;

import dev.kapu.flight.ForwardingFlightProducer;
import java.util.function.Function;
import org.apache.arrow.flight.FlightProducer;
import org.apache.arrow.flight.NoOpFlightProducer;

/**
 * The producer a local session's server is built with, before the session that the real producer
 * needs exists: it forwards to the producer {@link Kapu.Builder#flightProducer} makes once the
 * session is up (until then, Flight calls are answered "unimplemented").
 */
final class LateProducer extends ForwardingFlightProducer implements AutoCloseable {
  private volatile FlightProducer target = new NoOpFlightProducer();

  void attach(Function<? super LocalKapu, ? extends FlightProducer> factory, LocalKapu session) {
    target = factory.apply(session);
  }

  @Override
  protected FlightProducer delegate() {
    return target;
  }

  @Override
  public void close() throws Exception {
    if (target instanceof AutoCloseable c) {
      c.close();
    }
  }
}
