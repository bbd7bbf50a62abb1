package dev.kapu.api.builtin;

import dev.kapu.api.Task;
import dev.kapu.api.TaskContext;
import java.io.Serializable;
import java.util.List;

/**
 * Prepares SQL on a hosted resource that offers a {@link java.sql.Connection} (duckdb, jdbc)
 * without running it for real, for Flight SQL's prepared statements: whether it returns rows, the
 * Arrow schema of those rows (as a query would stream them) and the types to announce for its
 * parameters, each field carrying what the database declared about it. A syntax error is the
 * task's error, with the database's message.
 *
 * @param resource the hosted resource
 * @param sql the statement
 * @param readOnly the caller may only read: everything runs on the resource's read-only connection,
 *     which may refuse the statement with a {@link dev.kapu.api.ReadOnlyException}
 * @param parameters values bound to the statement, whose types the result's schema then follows;
 *     empty to describe it as it is prepared (known parameters null, untyped ones as announced)
 * @param decodeDictionaries the result's dictionary-encoded columns are described as their values,
 *     as {@link ParkQueryTask} sends them
 */
public record DescribeTask(String resource, String sql, boolean readOnly, List<Object> parameters,
    boolean decodeDictionaries) implements Task<DescribeTask.Description> {

  /**
   * The answer, schemas as Flight SQL's IPC bytes.
   *
   * @param result the result's schema, or null for a statement that returns no rows
   * @param parameters one field per parameter marker
   */
  public record Description(byte[] result, byte[] parameters) implements Serializable {}

  @Override
  public Description run(TaskContext ctx) throws Exception {
    return Builtins.get().describe(ctx, this);
  }
}
