package dev.kapu.daemon;

import java.io.Serializable;
import java.util.List;

/**
 * The task behind Flight SQL's direct endpoints: runs SQL like {@link QueryTask}, but the caller
 * gets back where the result waits instead of the stream itself, so that another process (the
 * Flight SQL client the server answers) fetches it from the daemon with {@code DoGet}.
 *
 * @param resource the hosted resource
 * @param sql the statement
 * @param parameters bound in order to the statement's {@code ?} markers
 * @param readOnly the caller may only read, as for {@link QueryTask}
 */
public record ParkQueryTask(String resource, String sql, List<Object> parameters, boolean readOnly)
    implements Task<ParkQueryTask.Parked> {

  /**
   * A result parked on its daemon's Flight endpoint. The ticket is the capability to fetch it:
   * random, good for one {@code DoGet}, dropped if not fetched within a few minutes.
   *
   * @param location the daemon's Flight URL
   * @param ticket the one-time ticket
   */
  public record Parked(String location, byte[] ticket) implements Serializable {}

  @Override
  public Parked run(TaskContext ctx) {
    return DaemonContexts.park(ctx, new QueryTask(resource, sql, parameters, readOnly).run(ctx));
  }
}
