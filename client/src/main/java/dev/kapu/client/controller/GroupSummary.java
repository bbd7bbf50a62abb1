package dev.kapu.client.controller;

import java.util.List;
import java.util.function.ToLongFunction;

/**
 * A {@link ControllerGroup} at one moment: its controllers' summaries and their totals.
 *
 * @param controllers one summary per controller, the default first
 */
public record GroupSummary(List<ControllerSummary> controllers) implements CrewSummary {

  public GroupSummary {
    controllers = List.copyOf(controllers);
  }

  @Override
  public int connected() {
    return (int) sum(ControllerSummary::connected);
  }

  @Override
  public long pushed() {
    return sum(ControllerSummary::pushed);
  }

  @Override
  public long unresolved() {
    return sum(ControllerSummary::unresolved);
  }

  @Override
  public long toPop() {
    return sum(ControllerSummary::toPop);
  }

  @Override
  public long crashes() {
    return sum(ControllerSummary::crashes);
  }

  @Override
  public long awaiting() {
    return sum(ControllerSummary::awaiting);
  }

  @Override
  public long executing() {
    return sum(ControllerSummary::executing);
  }

  @Override
  public List<WorkerSummary> workers() {
    return controllers.stream().flatMap(c -> c.workers().stream()).toList();
  }

  private long sum(ToLongFunction<ControllerSummary> count) {
    return controllers.stream().mapToLong(count).sum();
  }
}
