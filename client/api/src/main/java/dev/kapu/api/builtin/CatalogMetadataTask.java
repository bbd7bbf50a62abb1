package dev.kapu.api.builtin;

import dev.kapu.api.Task;
import dev.kapu.api.TaskContext;
import java.util.List;

/**
 * Answers a Flight SQL metadata question ({@link CatalogRequest}) about a hosted resource that
 * offers a {@link java.sql.Connection} (duckdb, jdbc), where the database is: rows as the request
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
    return Builtins.get().catalogMetadata(ctx, this);
  }
}
