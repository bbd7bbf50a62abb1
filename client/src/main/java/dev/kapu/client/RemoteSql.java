package dev.kapu.client;

import dev.kapu.flight.Batches;
import dev.kapu.flight.Dictionaries;
import dev.kapu.flight.FlightClients;
import dev.kapu.flight.Liveness;
import dev.kapu.flight.StreamChannels;
import dev.kapu.flight.sql.SqlSessionOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.CloseSessionRequest;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightGrpcUtils;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.LocationSchemes;
import org.apache.arrow.flight.SessionOptionValueFactory;
import org.apache.arrow.flight.SetSessionOptionsRequest;
import org.apache.arrow.flight.SetSessionOptionsResult;
import org.apache.arrow.flight.client.ClientCookieMiddleware;
import org.apache.arrow.flight.grpc.NettyClientBuilder;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.flight.sql.FlightSqlUtils;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionEndSavepointRequest;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * SQL on a remote Arrow Flight SQL server ({@code kapu serve} or any other), read back as Arrow
 * batches. Connecting trades the user name and password for a bearer token (Handshake with HTTP
 * basic auth). A query is {@code GetFlightInfo}, then {@code DoGet} of each endpoint in order: an
 * endpoint without a location from this server, one with locations from the first of them that
 * answers, after the same handshake there (as the Flight SQL JDBC driver does).
 *
 * <pre>{@code
 * try (RemoteSql remote = RemoteSql.connect(URI.create("grpc://127.0.0.1:31337"), "kapu", password, null, allocator);
 *     ArrowReader result = remote.query("SELECT 42")) {
 *   while (result.loadNextBatch()) { ... }
 * }
 * try (RemoteSql.Transaction t = remote.begin()) {   // Flight SQL's BeginTransaction
 *   t.update("INSERT INTO orders VALUES (1)");
 *   t.commit();                                       // closed before: rolled back
 * }
 * }</pre>
 *
 * <p>Closing ends the server's session for this client ({@code CloseSession}), which rolls back
 * any transaction still open on a server that keeps sessions, as {@code kapu serve} does.
 */
public final class RemoteSql implements RemoteStatements, AutoCloseable {
  private final BufferAllocator allocator;
  private final String user;
  private final String password;
  private final byte[] trustedCertificate;
  private final FlightClient client;
  private final FlightSqlClient sql;
  private final CallOption[] auth;
  /** Clients of other locations endpoints named, each with its own bearer token; opened on first use. */
  private final Map<URI, Located> located = new ConcurrentHashMap<>();

  private record Located(FlightClient client, CallOption[] auth) {}

  private RemoteSql(BufferAllocator allocator, String user, String password, byte[] trustedCertificate,
      URI url) {
    this.allocator = allocator;
    this.user = user;
    this.password = password;
    this.trustedCertificate = trustedCertificate;
    // cookies carry the server's session, and with it the session options (the catalog)
    this.client = open(url, true);
    try {
      this.auth = handshake(client);
    } catch (RuntimeException e) {
      closeQuietly(client);
      throw e;
    }
    this.sql = new FlightSqlClient(client);
  }

  /**
   * Connects and authenticates.
   *
   * @param url {@code grpc://host:port} or {@code grpc+tls://host:port}
   * @param password null to skip the handshake (a server without authentication)
   * @param trustedCertificate a PEM certificate to trust for TLS (a self-signed server's, as {@code
   *     kapu serve --tls} prints); null for the system's trust store
   * @throws FlightRuntimeException if the server cannot be reached ({@code UNAVAILABLE}) or refuses
   *     the credentials ({@code UNAUTHENTICATED})
   */
  public static RemoteSql connect(URI url, String user, String password, Path trustedCertificate,
      BufferAllocator allocator) throws IOException {
    byte[] certificate = trustedCertificate == null ? null : Files.readAllBytes(trustedCertificate);
    return new RemoteSql(allocator, user, password, certificate, url);
  }

  /**
   * Sets the Flight SQL session option {@code catalog}: later statements run on that catalog (for
   * {@code kapu serve}, a hosted resource).
   *
   * @throws IllegalArgumentException if the server refuses it in its answer
   * @throws org.apache.arrow.flight.FlightRuntimeException if it fails the call, with its reason (Kapu does)
   */
  public void catalog(String name) {
    SetSessionOptionsResult result = sql.setSessionOptions(new SetSessionOptionsRequest(
        Map.of(SqlSessionOptions.CATALOG, SessionOptionValueFactory.makeSessionOptionValue(name))), auth);
    if (result.hasErrors()) {
      throw new IllegalArgumentException("the server refused catalog '" + name + "' ("
          + result.getErrors().get(SqlSessionOptions.CATALOG).value + ")");
    }
  }

  /**
   * Asks for dictionary-encoded columns (DuckDB's ENUMs) as they are, with their dictionaries:
   * {@code kapu serve} sends Flight SQL clients their values unless its session option {@value
   * SqlSessionOptions#KEEP_DICTIONARIES} says otherwise. A server that does not know the option keeps sending what
   * it sends.
   */
  public void keepDictionaries() {
    sql.setSessionOptions(new SetSessionOptionsRequest(
        Map.of(SqlSessionOptions.KEEP_DICTIONARIES, SessionOptionValueFactory.makeSessionOptionValue(true))), auth);
  }

  /**
   * Whether {@code statement} returns rows, as the server describes it when preparing it (a
   * prepared statement whose result schema has no columns is an update, as the JDBC driver reads it).
   */
  @Override
  public boolean returnsRows(String statement) {
    return returnsRows(statement, null);
  }

  @Override
  public long update(String statement) {
    return sql.executeUpdate(statement, auth);
  }

  @Override
  public ArrowReader query(String statement) {
    return new EndpointsReader(allocator, sql.execute(statement, auth));
  }

  private boolean returnsRows(String statement, FlightSqlClient.Transaction transaction) {
    try (FlightSqlClient.PreparedStatement prepared = transaction == null ? sql.prepare(statement, auth)
        : sql.prepare(statement, transaction, auth)) {
      return !prepared.getResultSetSchema().getFields().isEmpty();
    }
  }

  /**
   * Begins a transaction (Flight SQL's {@code BeginTransaction}): its statements see each other's
   * changes, which others see once it commits. On {@code kapu serve} it holds a connection on one
   * daemon until it ends, and is rolled back after the server's idle timeout.
   *
   * @throws FlightRuntimeException if the server offers no transactions ({@code UNIMPLEMENTED})
   */
  public Transaction begin() {
    return new Transaction(sql.beginTransaction(auth));
  }

  /** An open transaction; closing it rolls it back unless it was committed or rolled back. */
  public final class Transaction implements RemoteStatements, AutoCloseable {
    private final FlightSqlClient.Transaction id;
    private boolean ended;

    private Transaction(FlightSqlClient.Transaction id) {
      this.id = id;
    }

    @Override
    public boolean returnsRows(String statement) {
      return RemoteSql.this.returnsRows(statement, id);
    }

    @Override
    public long update(String statement) {
      return sql.executeUpdate(statement, id, auth);
    }

    @Override
    public ArrowReader query(String statement) {
      return new EndpointsReader(allocator, sql.execute(statement, id, auth));
    }

    /** Sets a savepoint (Flight SQL's {@code BeginSavepoint}); databases without savepoints refuse. */
    public Savepoint savepoint(String name) {
      return new Savepoint(sql.beginSavepoint(id, name, auth));
    }

    public void commit() {
      ended = true;
      sql.commit(id, auth);
    }

    public void rollback() {
      ended = true;
      sql.rollback(id, auth);
    }

    @Override
    public void close() {
      if (!ended) {
        rollback();
      }
    }
  }

  /** A savepoint of a {@link Transaction}. */
  public final class Savepoint {
    private final FlightSqlClient.Savepoint id;

    private Savepoint(FlightSqlClient.Savepoint id) {
      this.id = id;
    }

    /**
     * Undoes what the transaction did since the savepoint; the savepoint stays. Sent as Flight
     * SQL's EndSavepoint action by hand: {@code FlightSqlClient.rollback(Savepoint)} (18.3) sends
     * RELEASE instead.
     */
    public void rollback() {
      ActionEndSavepointRequest request = ActionEndSavepointRequest.newBuilder()
          .setSavepointId(ByteString.copyFrom(id.getSavepointId()))
          .setAction(ActionEndSavepointRequest.EndSavepoint.END_SAVEPOINT_ROLLBACK).build();
      client.doAction(new Action(FlightSqlUtils.FLIGHT_SQL_END_SAVEPOINT.getType(), Any.pack(request).toByteArray()),
          auth).forEachRemaining(result -> { });
    }

    public void release() {
      sql.release(id, auth);
    }
  }

  /**
   * A client of the server ({@code server}: with cookies, which carry its session) or of a location
   * an endpoint named. Only the latter is watched by gRPC keepalive, so that fetching a result
   * from a daemon that stops answering fails instead of hanging: the server may be any Flight SQL
   * server, and gRPC's default answers pings more frequent than one per 5 minutes by ending the calls.
   */
  private FlightClient open(URI url, boolean server) {
    NettyClientBuilder builder = new NettyClientBuilder(allocator, new Location(url));
    if (server) {
      builder.intercept(new ClientCookieMiddleware.Factory());
    }
    if (LocationSchemes.GRPC_TLS.equals(url.getScheme()) && trustedCertificate != null) {
      builder.trustedCertificates(new java.io.ByteArrayInputStream(trustedCertificate));
    }
    return server
        ? FlightGrpcUtils.createFlightClient(allocator, StreamChannels.client(builder.build()).build(), builder.middleware())
        : FlightClients.open(builder, Liveness.DEFAULT);
  }

  private CallOption[] handshake(FlightClient to) {
    if (password == null) {
      return new CallOption[0];
    }
    return to.authenticateBasicToken(user, password).map(token -> new CallOption[] {token})
        .orElse(new CallOption[0]);
  }

  /** The stream of one endpoint, from where it says. */
  private FlightStream stream(FlightEndpoint endpoint) {
    List<Location> locations = endpoint.getLocations();
    if (locations.isEmpty()) {
      return sql.getStream(endpoint.getTicket(), auth);
    }
    FlightRuntimeException unreachable = null;
    for (Location location : locations) {
      URI uri = location.getUri();
      if (LocationSchemes.REUSE_CONNECTION.equals(uri.getScheme())) {
        return sql.getStream(endpoint.getTicket(), auth);
      }
      try {
        Located at = located.computeIfAbsent(uri, u -> {
          FlightClient there = open(u, false);
          try {
            return new Located(there, handshake(there));
          } catch (RuntimeException e) {
            closeQuietly(there);
            throw e;
          }
        });
        FlightStream stream = at.client().getStream(endpoint.getTicket(), at.auth());
        stream.getSchema(); // waits for the stream's start, so an unreachable location shows here
        return stream;
      } catch (FlightRuntimeException e) {
        if (e.status().code() != FlightStatusCode.UNAVAILABLE) {
          throw e;
        }
        unreachable = e;
      }
    }
    throw CallStatus.UNAVAILABLE.withDescription("no location of a result endpoint answers: " + locations
        + " (" + unreachable.getMessage() + ")").withCause(unreachable).toRuntimeException();
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      // closing after a failure: the failure is what matters
    }
  }

  @Override
  public void close() throws Exception {
    try {
      sql.closeSession(new CloseSessionRequest(), auth);
    } catch (FlightRuntimeException e) {
      // a server that keeps no sessions, or is gone: nothing of ours is left there to end
    }
    List<AutoCloseable> clients = new ArrayList<>();
    located.values().forEach(l -> clients.add(l.client()));
    located.clear();
    clients.add(sql); // closes the server's client too
    AutoCloseables.close(clients);
  }

  /**
   * The endpoints' streams one after the other, as one reader. Each batch moves from its stream's
   * root into this reader's by transferring buffers, so every batch has buffers of its own. Its
   * dictionaries are those of the stream the current batch came from: each endpoint brings its own.
   */
  private final class EndpointsReader extends ArrowReader {
    private final FlightInfo info;
    private int next;
    private FlightStream current;
    /** The dictionaries of the stream read last; null until one is opened (and with no endpoint). */
    private DictionaryProvider streamDictionaries;
    private long bytes;

    EndpointsReader(BufferAllocator allocator, FlightInfo info) {
      super(allocator);
      this.info = info;
    }

    @Override
    protected Schema readSchema() throws IOException {
      if (!info.getEndpoints().isEmpty()) {
        return nextStream().getSchema(); // the stream's own schema: its vectors are what moves into ours
      }
      return info.getSchemaOptional().orElse(new Schema(List.of()));
    }

    private FlightStream nextStream() {
      current = stream(info.getEndpoints().get(next++));
      streamDictionaries = current.getDictionaryProvider();
      return current;
    }

    @Override
    public Dictionary lookup(long id) {
      return streamDictionaries != null ? streamDictionaries.lookup(id) : super.lookup(id);
    }

    @Override
    public Set<Long> getDictionaryIds() {
      return streamDictionaries != null ? streamDictionaries.getDictionaryIds() : super.getDictionaryIds();
    }

    @Override
    public Map<Long, Dictionary> getDictionaryVectors() throws IOException {
      ensureInitialized(); // opens the first stream
      return streamDictionaries != null ? Dictionaries.byId(streamDictionaries) : dictionaries;
    }

    @Override
    public boolean loadNextBatch() throws IOException {
      prepareLoadNextBatch();
      VectorSchemaRoot root = getVectorSchemaRoot();
      while (current != null) {
        if (current.next()) {
          VectorSchemaRoot from = current.getRoot();
          for (int i = 0; i < from.getFieldVectors().size(); i++) {
            from.getVector(i).makeTransferPair(root.getVector(i)).transfer();
          }
          root.setRowCount(from.getRowCount());
          bytes += Batches.bytes(root);
          return true;
        }
        closeCurrent();
        if (next < info.getEndpoints().size()) {
          nextStream();
        }
      }
      return false;
    }

    private void closeCurrent() throws IOException {
      FlightStream done = current;
      current = null;
      try {
        done.close();
      } catch (Exception e) {
        throw new IOException(e);
      }
    }

    @Override
    public long bytesRead() {
      return bytes;
    }

    @Override
    protected void closeReadSource() throws IOException {
      if (current != null) {
        closeCurrent();
      }
    }
  }
}
