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
   * Parses a statement on its catalog without running it for real: result and parameter types.
   * Without parameters bound, a parameter the database cannot type gets the type it accepts (see
   * the implementation); with values bound, the result's schema is the one they give.
   */
  Description describe(Statement statement) throws Exception;

  /**
   * Runs a query; the reader streams its result. Close it.
   *
   * @param readOnly the caller may only read: the database itself must refuse to change anything
   *     (a write hidden in a query included), and a statement that could is refused with a {@link
   *     SecurityException} saying why
   */
  ArrowReader query(String catalog, String sql, List<Object> parameters, boolean readOnly) throws Exception;

  /**
   * Starts a query on a daemon and returns at once where its result will wait, for a Flight SQL
   * client to fetch it (straight from the daemon, or through {@link #fetch}): the query runs while
   * the client already holds the ticket, so that a {@link #cancel} reaches it before its first
   * batch. Its failure reaches that fetch.
   *
   * @param result the result's schema as {@link #describe} announced it to the client: the daemon
   *     sends it before the first batch exists (a client such as the JDBC driver waits for it
   *     before it can cancel)
   */
  Parked park(Statement statement, Schema result) throws Exception;

  /** Fetches a result {@link #park} left on a daemon, for this server to relay it. */
  ArrowReader fetch(Parked parked) throws Exception;

  /**
   * Stops a result {@link #park} left waiting, running or streaming, with the database's work
   * for it, and frees it on its daemon; true if there was one to stop (false once it was fetched
   * to the end, expired or stopped).
   */
  boolean cancel(Parked parked) throws Exception;

  /** Runs a statement that changes data or schema; returns the number of rows changed. */
  long update(String catalog, String sql, List<Object> parameters) throws Exception;

  /**
   * A statement as a client sent it.
   *
   * @param user who sent it, for messages
   * @param catalog the catalog (hosted resource) it runs on
   * @param sql its text
   * @param parameters the values bound to its markers, null for SQL NULL; empty before any are bound
   * @param readOnly the caller may only read, as for {@link #query}
   * @param keepDictionaries dictionary-encoded columns stay encoded (the session option {@value
   *     SqlSessionOptions#KEEP_DICTIONARIES}); otherwise results, and the schemas announcing them,
   *     carry the values they stand for
   */
  record Statement(String user, String catalog, String sql, List<Object> parameters, boolean readOnly,
      boolean keepDictionaries) {}

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
