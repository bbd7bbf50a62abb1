package dev.kapu.flight;

import com.google.protobuf.UnsafeByteOperations;
import dev.kapu.flight.internal.wire.Assignment;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A task or an everywhere() setup, as the dispatcher tracks it from submission to its last
 * outcome. Its mutable fields are guarded by the dispatcher's lock.
 */
final class Job implements TaskHandle {
  enum State {
    QUEUED,
    RUNNING,
    DONE
  }

  private final Dispatcher dispatcher;
  final long id;
  final TaskRequest request;
  final OutcomeListener listener;
  final boolean everywhere;
  /** For a setup: the daemons it was sent to that have not reported on it yet. */
  final Set<Worker> awaitedWorkers = new LinkedHashSet<>();
  /** For a setup: its outcomes on their way to the listener, in the order the dispatcher took them. */
  final Coalescer<Runnable> setupOutcomes;
  /** The resources it names, sorted and without repeats: the key of its queue. */
  final List<String> needs;
  State state = State.QUEUED;
  /** The daemon its latest attempt was sent to (a task, not a setup); null before the first. */
  Worker runsOn;
  int attempts;
  long queuedAt;
  /** When its latest attempt was sent to a daemon (clock nanoseconds). */
  long startedAt;
  /** Whether the caller waits at most until {@link #deadline} (clock nanoseconds) for this attempt. */
  boolean timed;
  long deadline;

  Job(Dispatcher dispatcher, long id, TaskRequest request, OutcomeListener listener, boolean everywhere) {
    this.dispatcher = dispatcher;
    this.id = id;
    this.request = request;
    this.listener = listener;
    this.everywhere = everywhere;
    this.setupOutcomes = everywhere ? new Coalescer<>() : null;
    this.needs = request.resources().isEmpty() ? List.of() : List.copyOf(new TreeSet<>(request.resources()));
  }

  @Override
  public void cancel() {
    dispatcher.cancel(this);
  }

  /** Its next attempt goes to {@code w} at {@code now} (clock nanoseconds): it runs there, timed from now. */
  void startOn(Worker w, long now) {
    state = State.RUNNING;
    attempts++;
    timed = Deadlines.timed(request);
    if (timed) {
      deadline = now + Deadlines.spanNanos(request);
    }
    w.running.put(id, this);
    runsOn = w;
    startedAt = now;
  }

  Assignment assignment(boolean setup) {
    return Assignment.newBuilder()
        .setTaskId(id)
        // Wrapped, not copied: a request's payload is never written after it is made.
        .setPayload(UnsafeByteOperations.unsafeWrap(request.payload()))
        .setTimeoutMillis(request.timeoutMillis())
        .setSetup(setup)
        .setNonBlocking(request.nonBlocking())
        .build();
  }
}
