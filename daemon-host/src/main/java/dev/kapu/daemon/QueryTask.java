package dev.kapu.daemon;

import java.util.List;

/**
 * The task behind {@code kapu.query}: runs SQL on a hosted resource and parks the Arrow result on
 * the daemon's Flight endpoint for the client to stream. A SQL error surfaces here, as the task's
 * error, with the database's message.
 *
 * @param resource the hosted resource
 * @param sql the statement
 * @param parameters bound in order to the statement's {@code ?} markers
 */
public record QueryTask(String resource, String sql, List<Object> parameters) implements Task<StreamTicket> {

  @Override
  public StreamTicket run(TaskContext ctx) {
    DaemonContexts.Context context = (DaemonContexts.Context) ctx;
    return context.park(ctx.query(resource, sql, parameters.toArray()));
  }
}
