package dev.kapu.api.builtin;

import dev.kapu.api.Task;
import dev.kapu.api.TaskContext;
import java.util.List;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * The task behind {@code kapu.query}: runs SQL on a hosted resource. Like any Arrow result, the
 * reader it returns stays on the daemon and streams to the client. A SQL error surfaces here, as
 * the task's error, with the database's message.
 *
 * @param resource the hosted resource
 * @param sql the statement
 * @param parameters bound in order to the statement's {@code ?} markers
 * @param readOnly the caller may only read: the resource runs it so that nothing can change, or
 *     refuses it with a {@link dev.kapu.api.ReadOnlyException}
 */
public record QueryTask(String resource, String sql, List<Object> parameters, boolean readOnly)
    implements Task<ArrowReader> {

  /** A query for a caller who may do anything. */
  public QueryTask(String resource, String sql, List<Object> parameters) {
    this(resource, sql, parameters, false);
  }

  @Override
  public ArrowReader run(TaskContext ctx) throws Exception {
    return Builtins.get().query(ctx, this);
  }
}
