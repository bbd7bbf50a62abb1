package dev.kapu.flight;

import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.ActionType;
import org.apache.arrow.flight.FlightProducer;
import org.apache.arrow.flight.Result;

/** The server's producer, with the operator's actions ({@link StatusActions}) answered before it. */
final class AdminProducer extends ForwardingFlightProducer {
  private final FlightProducer producer;
  private final StatusActions actions;

  AdminProducer(FlightProducer producer, StatusActions actions) {
    this.producer = producer;
    this.actions = actions;
  }

  @Override
  protected FlightProducer delegate() {
    return producer;
  }

  @Override
  public void doAction(CallContext context, Action action, StreamListener<Result> listener) {
    if (StatusActions.handles(action.getType())) {
      actions.doAction(context, action, listener);
    } else {
      super.doAction(context, action, listener);
    }
  }

  @Override
  public void listActions(CallContext context, StreamListener<ActionType> listener) {
    StatusActions.TYPES.forEach(listener::onNext);
    super.listActions(context, listener); // completes the listing
  }
}
