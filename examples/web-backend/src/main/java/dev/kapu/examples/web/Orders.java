package dev.kapu.examples.web;

import dev.kapu.api.ResourceSpec;
import dev.kapu.api.TaskContext;
import dev.kapu.client.Kapu;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * The example's data: an {@code orders} table in an in-memory DuckDB that every daemon hosts
 * (the {@code store} resource), 100,000 orders spread over shops 0 to 99, built the same way on
 * every daemon so that any daemon answers any shop.
 */
final class Orders {
  static final String RESOURCE = "store";
  static final ResourceSpec STORE = ResourceSpec.replicated(RESOURCE, "duckdb", Map.of());

  /** Order {@code i} belongs to shop {@code i % 100} and costs {@code (i * 37) % 1000} cents (wrk/check.lua recomputes this). */
  static final String CREATE_TABLE = "CREATE OR REPLACE TABLE orders AS"
      + " SELECT i AS id, i % 100 AS shop, (i * 37) % 1000 AS cents FROM range(100000) t(i)";

  private static final String TOTALS = "SELECT count(*) AS orders, coalesce(sum(cents), 0)::BIGINT AS cents"
      + " FROM orders WHERE shop = ?";

  /** A shop's orders and their total, as {@code /orders?shop=} answers. */
  record ShopTotals(int shop, long orders, long cents) implements Serializable {}

  private Orders() {}

  /**
   * Builds the table on every daemon, and on daemons that join later ({@code everywhere} replays
   * it), returning once the daemons connected now have it.
   */
  static List<String> load(Kapu kapu) {
    return kapu.everywhere(ctx -> {
      try (Statement statement = ctx.resource(RESOURCE, Connection.class).createStatement()) {
        statement.execute(CREATE_TABLE);
      }
      return ctx.daemonId();
    }).join();
  }

  /** Runs on a daemon: one shop's totals, from DuckDB's Arrow export of the query. */
  static ShopTotals totals(TaskContext ctx, int shop) throws Exception {
    try (ArrowReader result = ctx.query(RESOURCE, TOTALS, shop)) {
      if (!result.loadNextBatch()) {
        throw new IllegalStateException("the totals query returned no batch");
      }
      VectorSchemaRoot row = result.getVectorSchemaRoot();
      return new ShopTotals(shop, ((BigIntVector) row.getVector("orders")).get(0),
          ((BigIntVector) row.getVector("cents")).get(0));
    }
  }
}
