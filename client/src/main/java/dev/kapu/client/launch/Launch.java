package dev.kapu.client.launch;

import java.util.List;
import java.util.Optional;

/**
 * The workers of one {@link Launcher#launch}: what the controller asks about them and how it
 * stops them. Implementations must be thread-safe and must not block for long: the controller
 * asks {@link #ended} on every round of autoscaling while a worker has not connected.
 */
public interface Launch {

  /** The workers started by this launch. */
  List<String> workerIds();

  /**
   * Empty while the worker may still connect or is still running; once it has stopped (or will
   * never start), a sentence saying how, ideally with the end of its log.
   */
  Optional<String> ended(String workerId);

  /** Stops one worker, whether it is queued, starting or running; harmless if it has ended. */
  void terminate(String workerId);

  /** Stops every worker of this launch. */
  default void terminateAll() {
    workerIds().forEach(this::terminate);
  }
}
