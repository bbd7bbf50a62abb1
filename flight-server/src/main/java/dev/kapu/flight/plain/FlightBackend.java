package dev.kapu.flight.plain;

import dev.kapu.flight.sql.SqlBackend;
import java.util.List;
import java.util.Set;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * What {@link KapuFlightProducer} needs from a Kapu session: the client module implements it, so
 * that this module knows nothing of daemons' resources or tasks. Methods throw with a clear message
 * when the work fails; a database's own message is kept.
 */
public interface FlightBackend {

  /** The hosted resources clients may name (SQL tickets, bulk ingest), the default first. */
  List<String> resources();

  /** The daemons connected now (draining ones left out). */
  List<Daemon> daemons();

  /**
   * The resource uploaded tables go with (a new table lands on a daemon that hosts it, so that its
   * DuckDB can query the table), or null to put them on any daemon.
   */
  String uploadResource();

  /** Streams the Arrow table {@code table} from the daemon that holds it. Close the reader. */
  ArrowReader readTable(String table) throws Exception;

  /**
   * Leaves the Arrow table {@code table}'s stream waiting on the daemon that holds it, for a client
   * to fetch from there with the returned one-time ticket (as {@code SqlBackend.park}).
   */
  SqlBackend.Parked parkTable(String table) throws Exception;

  /**
   * Runs a query on a daemon that hosts {@code resource} and every table in {@code tables} (those
   * the SQL names), read-only if the caller may only read (as {@code SqlBackend.query}). Close the reader.
   */
  ArrowReader query(String resource, String sql, List<String> tables, boolean readOnly) throws Exception;

  /**
   * One connected daemon.
   *
   * @param location its own Flight endpoint (tables, uploads, columnar functions)
   * @param hosting the resources and Arrow tables it holds
   * @param executing tasks it runs now
   */
  record Daemon(String id, String location, Set<String> hosting, long executing) {}
}
