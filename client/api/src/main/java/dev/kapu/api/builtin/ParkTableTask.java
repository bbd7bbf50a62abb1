package dev.kapu.api.builtin;

import dev.kapu.api.Task;
import dev.kapu.api.TaskContext;

/**
 * The task behind plain Flight's direct endpoints for tables: like {@link ReadTableTask}, but the
 * caller gets back where the table's stream waits (as {@link ParkQueryTask}), so that a Flight
 * client fetches it from the daemon with {@code DoGet}. Route it with the table's name.
 *
 * @param table the table's name in the daemon's {@link dev.kapu.api.ArrowTables}
 */
public record ParkTableTask(String table) implements Task<ParkQueryTask.Parked> {
  @Override
  public ParkQueryTask.Parked run(TaskContext ctx) throws Exception {
    return Builtins.get().parkTable(ctx, table);
  }
}
