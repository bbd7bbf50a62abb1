package dev.kapu.api.builtin;

import dev.kapu.api.Task;
import dev.kapu.api.TaskContext;
import java.io.Serializable;
import java.util.List;

/**
 * The task behind Flight SQL's results: starts SQL like {@link QueryTask}, but on a query thread
 * of the daemon's, and returns at once where its result will wait, so that another process (the
 * Flight SQL client the server answers) fetches it from the daemon with {@code DoGet}. The client
 * gets its ticket while the query still works towards its first batch, which lets a cancel stop
 * the database's work; the query's failure reaches that {@code DoGet}.
 *
 * @param resource the hosted resource
 * @param sql the statement
 * @param parameters bound in order to the statement's {@code ?} markers; null binds SQL NULL
 * @param readOnly the caller may only read, as for {@link QueryTask}
 * @param decodeDictionaries dictionary-encoded columns go out as the values they stand for
 * @param caller who asked, for the message of a read-only refusal
 * @param announced the result's schema as the client was told it (IPC bytes, {@link SqlSchemas}):
 *     the daemon sends it before the first batch exists
 */
public record ParkQueryTask(String resource, String sql, List<Object> parameters, boolean readOnly,
    boolean decodeDictionaries, String caller, byte[] announced) implements Task<ParkQueryTask.Parked> {

  /**
   * A result parked on its daemon's Flight endpoint. The ticket is the capability to fetch it:
   * random, good for one {@code DoGet}, dropped if not fetched within a few minutes.
   *
   * @param location the daemon's Flight URL
   * @param ticket the one-time ticket
   */
  public record Parked(String location, byte[] ticket) implements Serializable {}

  @Override
  public Parked run(TaskContext ctx) throws Exception {
    return Builtins.get().park(ctx, this);
  }
}
