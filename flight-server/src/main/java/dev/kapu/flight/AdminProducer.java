package dev.kapu.flight;

import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.ActionType;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightProducer;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.PollInfo;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.SchemaResult;
import org.apache.arrow.flight.Ticket;

/** The server's producer, with the operator's actions ({@link StatusActions}) answered before it. */
final class AdminProducer implements FlightProducer {
  private final FlightProducer producer;
  private final StatusActions actions;

  AdminProducer(FlightProducer producer, StatusActions actions) {
    this.producer = producer;
    this.actions = actions;
  }

  @Override
  public void doAction(CallContext context, Action action, StreamListener<Result> listener) {
    if (StatusActions.handles(action.getType())) {
      actions.doAction(context, action, listener);
    } else {
      producer.doAction(context, action, listener);
    }
  }

  @Override
  public void listActions(CallContext context, StreamListener<ActionType> listener) {
    StatusActions.TYPES.forEach(listener::onNext);
    producer.listActions(context, listener); // completes the listing
  }

  @Override
  public void getStream(CallContext context, Ticket ticket, ServerStreamListener listener) {
    producer.getStream(context, ticket, listener);
  }

  @Override
  public void listFlights(CallContext context, Criteria criteria, StreamListener<FlightInfo> listener) {
    producer.listFlights(context, criteria, listener);
  }

  @Override
  public FlightInfo getFlightInfo(CallContext context, FlightDescriptor descriptor) {
    return producer.getFlightInfo(context, descriptor);
  }

  @Override
  public PollInfo pollFlightInfo(CallContext context, FlightDescriptor descriptor) {
    return producer.pollFlightInfo(context, descriptor);
  }

  @Override
  public SchemaResult getSchema(CallContext context, FlightDescriptor descriptor) {
    return producer.getSchema(context, descriptor);
  }

  @Override
  public Runnable acceptPut(CallContext context, FlightStream flightStream, StreamListener<PutResult> ackStream) {
    return producer.acceptPut(context, flightStream, ackStream);
  }

  @Override
  public void doExchange(CallContext context, FlightStream reader, ServerStreamListener writer) {
    producer.doExchange(context, reader, writer);
  }
}
