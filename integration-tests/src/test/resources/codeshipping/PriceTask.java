package acme.shop;

import dev.kapu.api.Task;
import dev.kapu.api.TaskContext;

/** A task class of the application's own, with a value of its own in the result. */
public record PriceTask(int quantity) implements Task<Quote> {
  @Override
  public Quote run(TaskContext ctx) {
    return new Quote(new Pricing().label(), quantity * 2);
  }
}
