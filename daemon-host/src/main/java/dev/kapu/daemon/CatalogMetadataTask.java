package dev.kapu.daemon;

import dev.kapu.daemon.spi.ReadOnlyException;
import dev.kapu.flight.sql.CatalogRequest;
import java.sql.Connection;
import java.util.List;

/**
 * Answers a Flight SQL metadata question ({@link CatalogRequest}) about a hosted resource that
 * offers a {@link Connection} (duckdb, jdbc), where the database is: rows as the request
 * describes them, its catalog columns naming {@code resource}.
 *
 * @param resource the hosted resource, the Kapu catalog
 * @param request the question
 * @param readOnly the caller may only read: everything runs on the resource's read-only connection
 */
public record CatalogMetadataTask(String resource, CatalogRequest request, boolean readOnly)
    implements Task<List<List<Object>>> {

  @Override
  public List<List<Object>> run(TaskContext ctx) throws Exception {
    Connection connection = readOnly
        ? DaemonContexts.of(ctx).readOnlyConnection(resource)
        : ctx.resource(resource, Connection.class);
    try {
      // a table's columns as Flight SQL queries stream them: dictionary-encoded ones as their values
      return new CatalogReader(connection, resource,
          sql -> DescribeTask.resultSchema(connection, sql, List.of(), true, ctx)).answer(request);
    } catch (Exception e) {
      if (readOnly) {
        ReadOnlyException.throwIfDatabaseRefusal(e);
      }
      throw DaemonContexts.statementFailed(resource, e);
    }
  }
}
