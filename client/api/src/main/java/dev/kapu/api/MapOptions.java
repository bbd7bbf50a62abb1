package dev.kapu.api;

/**
 * How a map runs.
 *
 * @param task timeout (per item) and retries
 * @param chunkSize items sent to a daemon in one message; 0 chooses: about eight chunks per slot
 *     at first, then, from the time the daemons report for each chunk, chunks large enough (1,024
 *     items at most) that round trips do not dominate.
 *     Items of one chunk run one after another on one daemon, so use 1 for long items.
 * @param stopOnFirstError fail as soon as one item fails and cancel the rest (default), or run
 *     every item and report all failures at the end
 * @param progress show a progress bar on the terminal
 */
public record MapOptions(TaskOptions task, int chunkSize, boolean stopOnFirstError, boolean progress) {
  public static final MapOptions DEFAULT = new MapOptions(TaskOptions.DEFAULT, 0, true, false);

  public MapOptions {
    if (chunkSize < 0) {
      throw new IllegalArgumentException("chunk size must not be negative");
    }
  }

  public MapOptions withTask(TaskOptions task) {
    return new MapOptions(task, chunkSize, stopOnFirstError, progress);
  }

  public MapOptions withChunkSize(int chunkSize) {
    return new MapOptions(task, chunkSize, stopOnFirstError, progress);
  }

  public MapOptions withStopOnFirstError(boolean stop) {
    return new MapOptions(task, chunkSize, stop, progress);
  }

  public MapOptions withProgress(boolean progress) {
    return new MapOptions(task, chunkSize, stopOnFirstError, progress);
  }
}
