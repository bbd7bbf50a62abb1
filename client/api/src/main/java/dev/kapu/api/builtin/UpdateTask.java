package dev.kapu.api.builtin;

import dev.kapu.api.Task;
import dev.kapu.api.TaskContext;
import java.util.List;

/**
 * Runs a statement that changes data or schema (INSERT, UPDATE, CREATE ...) on a hosted resource
 * that offers a {@link java.sql.Connection} (duckdb, jdbc) and returns the number of rows changed
 * (0 for DDL). A database error is the task's error, with the database's message.
 *
 * @param resource the hosted resource
 * @param sql the statement
 * @param parameters bound in order to the statement's {@code ?} markers; null binds SQL NULL
 */
public record UpdateTask(String resource, String sql, List<Object> parameters) implements Task<Long> {
  @Override
  public Long run(TaskContext ctx) throws Exception {
    return Builtins.get().update(ctx, this);
  }
}
