package dev.kapu.client.launch;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Workers to start at once.
 *
 * @param controller the name of the controller asking, for job names and logs
 * @param workerIds one name per worker; each worker must dial the dispatcher under its name
 *     ({@link WorkerCommand#argv(String)} passes it), which is how the controller tells that a
 *     launch has connected
 * @param command how to run a worker
 * @param directory a directory only this user can read, where a launcher may write scripts and
 *     logs (for schedulers it must be visible on the compute nodes: see the controller's
 *     {@code directory} setting)
 */
public record LaunchRequest(String controller, List<String> workerIds, WorkerCommand command,
    Path directory) {

  public LaunchRequest {
    Objects.requireNonNull(controller, "controller");
    Objects.requireNonNull(command, "command");
    Objects.requireNonNull(directory, "directory");
    workerIds = List.copyOf(workerIds);
    if (workerIds.isEmpty()) {
      throw new IllegalArgumentException("a launch needs at least one worker");
    }
  }

  /** Where a worker's output goes by default. */
  public Path logFile(String workerId) {
    return directory.resolve("worker-" + workerId + ".log");
  }
}
