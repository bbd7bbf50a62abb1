package dev.kapu.daemon;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;

/**
 * Runs a statement that changes data or schema (INSERT, UPDATE, CREATE ...) on a hosted resource
 * that offers a {@link Connection} (duckdb, jdbc) and returns the number of rows changed (0 for
 * DDL). A database error is the task's error, with the database's message.
 *
 * @param resource the hosted resource
 * @param sql the statement
 * @param parameters bound in order to the statement's {@code ?} markers
 */
public record UpdateTask(String resource, String sql, List<Object> parameters) implements Task<Long> {

  @Override
  public Long run(TaskContext ctx) throws Exception {
    Connection connection = ctx.resource(resource, Connection.class);
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < parameters.size(); i++) {
        statement.setObject(i + 1, parameters.get(i));
      }
      return Math.max(0L, statement.executeLargeUpdate());
    }
  }
}
