package dev.kapu.api.builtin;

import dev.kapu.api.Task;
import dev.kapu.api.TaskContext;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * Streams an Arrow table held on a daemon: route it there with the table's name among the task's
 * resources. Like any Arrow result, the reader stays on the daemon and streams to the caller.
 *
 * @param table the table's name in the daemon's {@link dev.kapu.api.ArrowTables}
 */
public record ReadTableTask(String table) implements Task<ArrowReader> {
  @Override
  public ArrowReader run(TaskContext ctx) {
    return ctx.tables().get(table);
  }
}
