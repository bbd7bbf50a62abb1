package dev.kapu.daemon;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import dev.kapu.daemon.internal.DuckDbKind;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.util.AutoCloseables;
import org.duckdb.DuckDBConnection;

/**
 * Runs a statement that changes data or schema (INSERT, UPDATE, CREATE ...) on a hosted resource
 * that offers a {@link Connection} (duckdb, jdbc) and returns the number of rows changed (0 for
 * DDL). A database error is the task's error, with the database's message.
 *
 * @param resource the hosted resource
 * @param sql the statement
 * @param parameters bound in order to the statement's {@code ?} markers; null binds SQL NULL
 */
public record UpdateTask(String resource, String sql, List<Object> parameters) implements Task<Long> {

  @Override
  public Long run(TaskContext ctx) throws Exception {
    Connection connection = ctx.resource(resource, Connection.class);
    List<AutoCloseable> exposed = new ArrayList<>();
    try {
      if (connection instanceof DuckDBConnection duck) {
        // CREATE TABLE ... AS SELECT * FROM an_uploaded_table keeps a copy in the database
        DuckDbKind.exposeTables(sql, duck, ctx.tables(), ctx.allocator(), exposed);
      }
      try (PreparedStatement statement = connection.prepareStatement(sql)) {
        for (int i = 0; i < parameters.size(); i++) {
          statement.setObject(i + 1, parameters.get(i));
        }
        DaemonContexts.of(ctx).onStop(statement::cancel); // a cancelled task stops the database too
        return Math.max(0L, statement.executeLargeUpdate());
      }
    } catch (SQLException e) {
      throw DaemonContexts.statementFailed(resource, e);
    } finally {
      AutoCloseables.close(exposed);
    }
  }
}
