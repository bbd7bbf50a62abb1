package dev.kapu.daemon;

/**
 * The task behind plain Flight's direct endpoints for tables: like {@link ReadTableTask}, but the
 * caller gets back where the table's stream waits (as {@link ParkQueryTask}), so that a Flight
 * client fetches it from the daemon with {@code DoGet}. Route it with the table's name.
 *
 * @param table the table's name in the daemon's {@link ArrowTables}
 */
public record ParkTableTask(String table) implements Task<ParkQueryTask.Parked> {

  @Override
  public ParkQueryTask.Parked run(TaskContext ctx) {
    return DaemonContexts.park(ctx, ctx.tables().get(table));
  }
}
