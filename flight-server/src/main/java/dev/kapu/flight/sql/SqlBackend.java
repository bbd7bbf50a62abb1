package dev.kapu.flight.sql;

import java.util.List;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * What the Flight SQL service needs to run SQL: the client module implements it by submitting
 * tasks to daemons, so that this module knows nothing of daemons or resources. A catalog is a
 * hosted resource. Methods throw with the database's own message when the database refuses.
 */
public interface SqlBackend {

  /** The catalogs (hosted resources) clients may name, the default first. */
  List<String> catalogs();

  /** The catalogs that answer {@code information_schema} queries (DuckDB, JDBC databases). */
  List<String> sqlCatalogs();

  /**
   * Parses {@code sql} on the catalog without running it for real: result and parameter types.
   *
   * @param readOnly the caller may only read: see {@link #query}
   */
  Description describe(String catalog, String sql, boolean readOnly) throws Exception;

  /**
   * Runs a query; the reader streams its result. Close it.
   *
   * @param readOnly the caller may only read: the database itself must refuse to change anything
   *     (a write hidden in a query included), and a statement that could is refused with a {@link
   *     SecurityException} saying why
   */
  ArrowReader query(String catalog, String sql, List<Object> parameters, boolean readOnly) throws Exception;

  /**
   * Runs a query on a daemon and leaves its result waiting there, unopened, for a Flight SQL
   * client to fetch straight from the daemon (direct endpoints).
   *
   * @param readOnly the caller may only read, as for {@link #query}
   */
  default Parked park(String catalog, String sql, List<Object> parameters, boolean readOnly) throws Exception {
    throw new UnsupportedOperationException("this backend cannot leave results on daemons: serve with relay");
  }

  /**
   * Stops a result {@link #park} left waiting, or that is streaming, and frees it on its daemon;
   * true if there was one to stop (false once it was fetched to the end, expired or stopped).
   */
  default boolean cancel(Parked parked) throws Exception {
    throw new UnsupportedOperationException("this backend cannot leave results on daemons: serve with relay");
  }

  /** Runs a statement that changes data or schema; returns the number of rows changed. */
  long update(String catalog, String sql, List<Object> parameters) throws Exception;

  /**
   * Asks the database behind one of the {@link #sqlCatalogs} a metadata question; the answer is
   * rows as {@link CatalogRequest} describes them.
   *
   * @param readOnly the caller may only read: any statement it takes runs confined, as for {@link #query}
   */
  default List<List<Object>> metadata(String catalog, CatalogRequest request, boolean readOnly) throws Exception {
    throw new UnsupportedOperationException("this backend answers no metadata questions");
  }

  /**
   * What a statement returns and takes.
   *
   * @param result the result's schema; null for a statement that returns no rows (an update)
   * @param parameters one field per {@code ?} marker, in order
   */
  record Description(Schema result, Schema parameters) {}

  /**
   * Where a query's result waits: fetched once by {@code DoGet} of {@code ticket} at {@code
   * location} (a daemon's Flight URL); the ticket is the capability, so hand it only to the
   * client that asked.
   */
  record Parked(String location, byte[] ticket) {}
}
