package dev.kapu.client.controller;

import dev.kapu.api.MapFunction;
import dev.kapu.api.Task;
import dev.kapu.api.TaskOptions;
import dev.kapu.client.Kapu;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * R's {@code crew} verbs on top of a {@link Kapu}: tasks pushed under a name, whose results wait to
 * be popped or collected in the order they ended. One type for every kind of worker pool, so code
 * written against it runs unchanged on a {@link Controller}, a {@link ControllerGroup}, or a plain
 * session ({@link #of}: {@code Kapu.local(n)}, {@code Kapu.connect(url)}, an in-process one).
 *
 * <pre>{@code
 * static List<TaskResult> squares(Crew crew) {
 *   crew.walk("square", List.of(1, 2, 3), x -> x * x);
 *   crew.waitAll(Duration.ofMinutes(1));
 *   return crew.collect();
 * }
 * }</pre>
 *
 * <p>A task pushed here completes exactly once: its {@link ControllerTask} future and its {@link
 * TaskResult} say the same. If the daemon running it dies, it is sent again, up to the crew's crash
 * limit ({@link Controller.Builder#crashesMax}; 5 for a plain session).
 */
public interface Crew extends Kapu {

  /**
   * A crew over a session: named tasks on its daemons. {@link #terminate()} (and {@link #close()})
   * cancels what is open and closes the session too. Its summary lists the daemons connected now.
   */
  static Crew of(Kapu session) {
    return new SessionCrew(session);
  }

  /** Pushes a task under {@code name} (null: {@code task-<n>}) with the crew's default options. */
  <T> ControllerTask<T> push(String name, Task<T> task);

  /**
   * Queues a named task. Names are unique among tasks pushed and not yet popped. {@code
   * options.retries()} is ignored: crashes are retried by the crew, up to its crash limit.
   *
   * @throws IllegalArgumentException if the name is taken
   */
  <T> ControllerTask<T> push(String name, Task<T> task, TaskOptions options);

  /**
   * Pushes one task per item, named {@code prefix-0}, {@code prefix-1}, ..., and returns at once.
   * Each item travels inside its task, so it must be {@link java.io.Serializable}. For many small
   * items {@link #map}, which sends them in chunks, is much faster.
   *
   * @throws IllegalArgumentException if one of the names is taken (then nothing is pushed)
   */
  <T, R> List<ControllerTask<R>> walk(String prefix, List<T> items, MapFunction<? super T, ? extends R> fn);

  /** The oldest ended task not yet popped, if any; does not wait. */
  Optional<TaskResult> pop();

  /** Waits up to {@code timeout} for a task to end, then pops it. */
  Optional<TaskResult> pop(Duration timeout);

  /** Every ended task not yet popped, oldest first. */
  List<TaskResult> collect();

  /** Waits until every pushed task has ended; false if {@code timeout} passed first. */
  boolean waitAll(Duration timeout);

  /**
   * Waits until at least one ended task waits to be popped; false if {@code timeout} passed first
   * or nothing is pushed and unpopped.
   */
  boolean waitOne(Duration timeout);

  /** Cancels the named pushed tasks that have not ended; true if any was. */
  boolean cancel(String... names);

  /** Cancels every pushed task that has not ended; returns how many were. */
  int cancelAll();

  /** Workers and tasks now. */
  CrewSummary summary();

  /** Cancels what is open and releases the workers (for a session crew, the session). */
  void terminate();

  /** Same as {@link #terminate()}. */
  @Override
  void close();
}
