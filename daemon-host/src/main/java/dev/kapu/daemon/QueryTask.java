package dev.kapu.daemon;

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
 */
public record QueryTask(String resource, String sql, List<Object> parameters) implements Task<ArrowReader> {

  @Override
  public ArrowReader run(TaskContext ctx) {
    return ctx.query(resource, sql, parameters.toArray());
  }
}
