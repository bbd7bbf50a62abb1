package dev.kapu.flight.sql;

import dev.kapu.api.builtin.CatalogRequest;
import java.time.Duration;
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
   * Asks the database behind one of the {@link #sqlCatalogs} a metadata question; the answer is
   * rows as {@link CatalogRequest} describes them.
   *
   * @param readOnly the caller may only read: any statement it takes runs confined, as for {@link #query}
   */
  default List<List<Object>> metadata(String catalog, CatalogRequest request, boolean readOnly) throws Exception {
    throw new UnsupportedOperationException("this backend answers no metadata questions");
  }

  // ---- transactions -----------------------------------------------------------------------

  /**
   * Begins a transaction on {@code catalog}: one connection, on one daemon, held for the
   * transaction's life; {@link #in} runs statements there.
   *
   * @param readOnly the transaction may only read (the caller may only read, or asked for READ ONLY):
   *     the database itself refuses writes, as for {@link #query}
   * @param isolation a {@link java.sql.Connection} {@code TRANSACTION_*} level, or {@code
   *     TRANSACTION_NONE} for the database's default; a level the database does not offer is refused
   *     with an {@link IllegalArgumentException}
   */
  default Transaction begin(String catalog, boolean readOnly, int isolation) throws Exception {
    throw new UnsupportedOperationException("this backend offers no transactions");
  }

  /** Commits or rolls back; the transaction ends either way (a commit the database refuses rolls back). */
  default void end(Transaction transaction, boolean commit) throws Exception {
    throw new UnsupportedOperationException("this backend offers no transactions");
  }

  /** Sets a savepoint called {@code name} in the transaction; returns its id. */
  default String savepoint(Transaction transaction, String name) throws Exception {
    throw new UnsupportedOperationException("this backend offers no savepoints");
  }

  /**
   * Releases the savepoint, or rolls back to it (it then stays, as in SQL). {@code savepoint} is an
   * id {@link #savepoint} returned, or else a savepoint's name (the most recent of that name).
   */
  default void endSavepoint(Transaction transaction, String savepoint, boolean rollback) throws Exception {
    throw new UnsupportedOperationException("this backend offers no savepoints");
  }

  /**
   * This backend's statements, run inside {@code transaction} on its connection: {@link
   * #describe}, {@link #query}, {@link #park} and {@link #update} take the transaction's catalog.
   * A query runs in its place among the transaction's statements, not while its client already
   * holds the ticket, and its result is read whole before the call returns, so the connection is
   * free for the next statement. A transaction that is no longer open fails them with {@link
   * TransactionEndedException}.
   */
  default SqlBackend in(Transaction transaction) {
    throw new UnsupportedOperationException("this backend offers no transactions");
  }

  /**
   * An open transaction.
   *
   * @param id its unique name, handed to the client
   * @param catalog where its statements run
   * @param readOnly whether it may only read
   * @param holder the daemon that holds its connection, where whatever joins it must go
   * @param idleTimeout it is rolled back after this long without a statement
   */
  record Transaction(String id, String catalog, boolean readOnly, String holder, Duration idleTimeout) {}

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
