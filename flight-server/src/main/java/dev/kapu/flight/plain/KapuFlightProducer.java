package dev.kapu.flight.plain;

import static dev.kapu.flight.sql.KapuFlightSqlProducer.status;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.kapu.flight.AccessControl;
import dev.kapu.api.AccessRight;
import dev.kapu.flight.ErrorStatuses;
import dev.kapu.flight.Outbound;
import dev.kapu.flight.ResultStreams;
import dev.kapu.flight.internal.Recent;
import dev.kapu.flight.sql.KapuFlightSqlProducer;
import dev.kapu.flight.sql.SqlBackend;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.ActionType;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightClient.ClientStreamListener;
import org.apache.arrow.flight.FlightClient.ExchangeReaderWriter;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightProducer;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.SchemaResult;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandStatementIngest;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's Flight producer: plain Flight over the daemons' Arrow tables and columnar functions,
 * and Flight SQL (every ticket or command descriptor that is a packed Flight SQL command) handed to
 * the Flight SQL producer, except bulk ingest, which is a write of Arrow batches like an upload and
 * is handled here.
 *
 * <ul>
 *   <li>{@code ListFlights}: every daemon's tables; each {@code FlightInfo} has the path descriptor
 *       {@code [name]}, the schema, rows and bytes, and one endpoint whose ticket streams the table
 *       from this server. {@code GetSchema} on {@code [name]} describes one; {@code GetFlightInfo}
 *       too, and with direct delivery its endpoint names the daemon that holds the table, where the
 *       stream waits for its one-time ticket (this server relays that ticket too).
 *   <li>{@code DoGet}: a ticket is UTF-8 JSON, {@code {"table": NAME}} or {@code {"sql": SQL,
 *       "resource": NAME}} (resource optional: the default one); results are relayed from the daemon
 *       that holds the data.
 *   <li>{@code DoPut} with the path {@code [name]} uploads a table into one daemon's memory (with the
 *       {@linkplain FlightBackend#uploadResource upload resource}); {@code [name, "replace"]} may
 *       replace one. Batches stream on to the daemon as they arrive; the table appears when the
 *       stream completes, and a failed or cut upload leaves nothing.
 *   <li>{@code DoPut} with Flight SQL's {@code CommandStatementIngest}: into a DuckDB table of the
 *       catalog (resource) named, else the session's, in one transaction: its own, or the open
 *       transaction the command names, on the daemon that holds it.
 *   <li>{@code DoExchange} with the path {@code [function, argument...]}: a columnar function on a
 *       daemon, batches streaming both ways.
 * </ul>
 *
 * <p>Rights come from an {@link AccessControl}: uploads and bulk ingest need WRITE on their target
 * (every write path goes through {@link #checkWrite}); the daemons' tables are seen by users who
 * hold a right on the resource uploads go with; a SQL ticket needs READ on its resource and runs
 * read-only for a user who may only read.
 */
public final class KapuFlightProducer implements FlightProducer, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KapuFlightProducer.class);
  private static final String FLIGHT_SQL_TYPES = "type.googleapis.com/arrow.flight.protocol.sql.";
  /** The second element of an upload's path that allows replacing a table. */
  public static final String REPLACE = "replace";
  private static final String TICKET_FORMATS =
      "a Kapu ticket ({\"table\": NAME} or {\"sql\": SQL, \"resource\": NAME}) or a Flight SQL ticket";

  private final FlightBackend backend;
  private final AccessControl access;
  private final KapuFlightSqlProducer flightSql;
  private final ResultStreams daemons;
  private final BufferAllocator allocator;
  private final ObjectMapper json = new ObjectMapper();
  /** Direct delivery: the tables' tickets handed out, and where each stream waits. */
  private final Recent<SqlBackend.Parked> issued = new Recent<>();
  private final ExecutorService pumps = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "kapu-exchange-upstream");
    t.setDaemon(true);
    return t;
  });

  /**
   * @param flightSql serves the Flight SQL calls (a {@link KapuFlightSqlProducer})
   * @param daemons reaches the daemons' own endpoints with the session's token; closed with this
   */
  public KapuFlightProducer(FlightBackend backend, AccessControl access, KapuFlightSqlProducer flightSql,
      ResultStreams daemons, BufferAllocator allocator) {
    this.backend = backend;
    this.access = access;
    this.flightSql = flightSql;
    this.daemons = daemons;
    this.allocator = allocator;
  }

  /**
   * The resource whose rights govern the daemons' tables: the one uploads go with, else (no such
   * resource) the table's own name, which only a {@code "*"} right covers.
   */
  private String tablesResource(String table) {
    String resource = backend.uploadResource();
    return resource != null ? resource : table;
  }

  /** Every write path (upload, bulk ingest) asks here: NOT_FOUND or UNAUTHORIZED unless the user may write. */
  private void checkWrite(CallContext context, String resource) {
    access.check(context.peerIdentity(), resource, AccessRight.WRITE);
  }

  private boolean mayRead(CallContext context, String resource) {
    return access.right(context.peerIdentity(), resource) != null;
  }

  /** A packed Flight SQL command (ticket or descriptor), which the Flight SQL producer serves. */
  private static boolean isFlightSql(byte[] bytes) {
    try {
      return Any.parseFrom(bytes).getTypeUrl().startsWith(FLIGHT_SQL_TYPES);
    } catch (InvalidProtocolBufferException e) {
      return false;
    }
  }

  private static FlightRuntimeException notFlightSqlCommand() {
    return CallStatus.INVALID_ARGUMENT.withDescription("a command descriptor here is a Flight SQL command;"
        + " a table is the path descriptor [name]").toRuntimeException();
  }

  // ---- tables --------------------------------------------------------------------------------

  /** The tables the daemons hold: hosted names that are not resources. */
  private Set<String> tableNames() {
    Set<String> names = new TreeSet<>();
    backend.daemons().forEach(d -> names.addAll(d.hosting()));
    names.removeAll(backend.resources());
    return names;
  }

  private List<FlightInfo> tables() {
    List<FlightInfo> infos = new ArrayList<>();
    Set<String> resources = new HashSet<>(backend.resources());
    for (FlightBackend.Daemon d : backend.daemons()) {
      if (resources.containsAll(d.hosting())) {
        continue; // no tables there
      }
      try {
        for (FlightInfo info : daemons.client(d.location()).listFlights(Criteria.ALL, daemons.token())) {
          String name = info.getDescriptor().getPath().get(0);
          infos.add(new FlightInfo(info.getSchema(), info.getDescriptor(),
              List.of(new FlightEndpoint(tableTicket(name))), info.getBytes(), info.getRecords()));
        }
      } catch (FlightRuntimeException e) {
        log.warn("daemon {} did not list its tables (leaving?): {}", d.id(), e.toString());
      }
    }
    infos.sort(Comparator.comparing(i -> i.getDescriptor().getPath().get(0)));
    return infos;
  }

  private Ticket tableTicket(String name) {
    ObjectNode ticket = json.createObjectNode().put("table", name);
    return new Ticket(ticket.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A table's {@code FlightInfo} as {@code GetFlightInfo} answers it: with direct delivery, its
   * stream waits on the daemon that holds the table and the endpoint says where, with a one-time
   * ticket (which this server also accepts, and relays, for clients that ignore locations).
   */
  private FlightInfo tableToFetch(CallContext context, FlightDescriptor descriptor) {
    FlightInfo listed = table(context, descriptor);
    if (flightSql.delivery() != KapuFlightSqlProducer.Delivery.DIRECT) {
      return listed;
    }
    SqlBackend.Parked parked;
    try {
      parked = backend.parkTable(descriptor.getPath().get(0));
    } catch (Exception e) {
      throw status(e);
    }
    issued.put(ByteString.copyFrom(parked.ticket()), parked);
    FlightEndpoint endpoint = new FlightEndpoint(new Ticket(parked.ticket()), new Location(URI.create(parked.location())));
    return new FlightInfo(listed.getSchema(), descriptor, List.of(endpoint), listed.getBytes(), listed.getRecords());
  }

  private FlightInfo table(CallContext context, FlightDescriptor descriptor) {
    if (descriptor.getPath().size() != 1) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("a table's descriptor is the path [name], not "
          + descriptor.getPath()).toRuntimeException();
    }
    String name = descriptor.getPath().get(0);
    if (!mayRead(context, tablesResource(name))) {
      throw noTable(name);
    }
    return tables().stream().filter(i -> i.getDescriptor().getPath().get(0).equals(name)).findFirst()
        .orElseThrow(() -> noTable(name));
  }

  private FlightRuntimeException noTable(String name) {
    return CallStatus.NOT_FOUND.withDescription("no table '" + name + "' (tables: " + tableNames() + ")")
        .toRuntimeException();
  }

  @Override
  public void listFlights(CallContext context, Criteria criteria, StreamListener<FlightInfo> listener) {
    try {
      tables().stream().filter(t -> mayRead(context, tablesResource(t.getDescriptor().getPath().get(0))))
          .forEach(listener::onNext);
      listener.onCompleted();
    } catch (RuntimeException e) {
      listener.onError(status(e));
    }
  }

  @Override
  public FlightInfo getFlightInfo(CallContext context, FlightDescriptor descriptor) {
    if (descriptor.isCommand()) {
      if (isFlightSql(descriptor.getCommand())) {
        return flightSql.getFlightInfo(context, descriptor);
      }
      throw notFlightSqlCommand();
    }
    return tableToFetch(context, descriptor);
  }

  @Override
  public SchemaResult getSchema(CallContext context, FlightDescriptor descriptor) {
    if (descriptor.isCommand()) {
      if (isFlightSql(descriptor.getCommand())) {
        return flightSql.getSchema(context, descriptor);
      }
      throw notFlightSqlCommand();
    }
    return new SchemaResult(table(context, descriptor).getSchema());
  }

  // ---- DoGet ---------------------------------------------------------------------------------

  @Override
  public void getStream(CallContext context, Ticket ticket, ServerStreamListener listener) {
    byte[] bytes = ticket.getBytes();
    SqlBackend.Parked parked = issued.remove(ByteString.copyFrom(bytes));
    if (parked != null) {
      ArrowReader reader;
      try {
        reader = daemons.open(parked.location(), bytes);
      } catch (RuntimeException e) {
        listener.error(status(e));
        return;
      }
      relay(reader, listener);
      return;
    }
    if (bytes.length == 0 || bytes[0] != '{') {
      if (isFlightSql(bytes) || flightSql.handedOutForADaemon(ticket)) {
        flightSql.getStream(context, ticket, listener); // the latter: it says where to fetch it
      } else {
        listener.error(CallStatus.INVALID_ARGUMENT.withDescription("malformed ticket: neither " + TICKET_FORMATS)
            .toRuntimeException());
      }
      return;
    }
    ArrowReader reader;
    try {
      reader = open(context, bytes);
    } catch (Exception e) {
      listener.error(status(e));
      return;
    }
    relay(reader, listener);
  }

  /** The stream a Kapu ticket stands for. */
  private ArrowReader open(CallContext context, byte[] ticket) throws Exception {
    JsonNode node;
    try {
      node = json.readTree(ticket);
    } catch (JsonProcessingException e) {
      throw malformed("not JSON (" + e.getOriginalMessage() + ")");
    }
    Set<String> fields = new TreeSet<>();
    node.fieldNames().forEachRemaining(fields::add);
    if (fields.equals(Set.of("table")) && node.get("table").isTextual()) {
      String name = node.get("table").asText();
      if (!tableNames().contains(name) || !mayRead(context, tablesResource(name))) {
        throw noTable(name);
      }
      return backend.readTable(name);
    }
    if (node.path("sql").isTextual() && Set.of("sql", "resource").containsAll(fields)
        && (!fields.contains("resource") || node.get("resource").isTextual())) {
      String resource = node.has("resource") ? node.get("resource").asText() : backend.resources().get(0);
      if (!backend.resources().contains(resource)) {
        throw CallStatus.NOT_FOUND.withDescription("no resource '" + resource + "' (served: "
            + backend.resources() + ")").toRuntimeException();
      }
      access.check(context.peerIdentity(), resource, AccessRight.READ);
      boolean readOnly = !access.right(context.peerIdentity(), resource).covers(AccessRight.WRITE);
      String sql = node.get("sql").asText();
      try {
        return backend.query(resource, sql, mentioned(sql), readOnly);
      } catch (SecurityException refused) {
        throw ErrorStatuses.of(refused, context.peerIdentity(), resource);
      }
    }
    throw malformed("expected {\"table\": NAME} or {\"sql\": SQL, \"resource\": NAME}, got fields " + fields);
  }

  private static FlightRuntimeException malformed(String why) {
    return CallStatus.INVALID_ARGUMENT.withDescription("malformed ticket: " + why).toRuntimeException();
  }

  /** The tables {@code sql} names (as whole words), which its daemon must hold. */
  private List<String> mentioned(String sql) {
    String lower = sql.toLowerCase(Locale.ROOT);
    return tableNames().stream()
        .filter(t -> Pattern.compile("\\b" + Pattern.quote(t.toLowerCase(Locale.ROOT)) + "\\b").matcher(lower).find())
        .toList();
  }

  /** Streams {@code reader}'s batches to the client, then closes it. */
  private static void relay(ArrowReader reader, ServerStreamListener listener) {
    try (reader) {
      if (Outbound.sendBatches(reader, listener, () -> false)) {
        listener.completed();
      }
    } catch (Exception e) {
      listener.error(status(e));
    }
  }

  // ---- DoPut ---------------------------------------------------------------------------------

  @Override
  public Runnable acceptPut(CallContext context, FlightStream stream, StreamListener<PutResult> ack) {
    FlightDescriptor descriptor = stream.getDescriptor();
    if (descriptor.isCommand()) {
      CommandStatementIngest ingest = ingestCommand(descriptor.getCommand());
      if (ingest != null) {
        return () -> report(ack, () -> ingest(context, ingest, stream, ack));
      }
      if (isFlightSql(descriptor.getCommand())) {
        return flightSql.acceptPut(context, stream, ack);
      }
      return () -> ack.onError(notFlightSqlCommand());
    }
    return () -> report(ack, () -> upload(context, descriptor.getPath(), stream, ack));
  }

  private static CommandStatementIngest ingestCommand(byte[] command) {
    try {
      Any any = Any.parseFrom(command);
      return any.is(CommandStatementIngest.class) ? any.unpack(CommandStatementIngest.class) : null;
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  private interface Body {
    void run() throws Exception;
  }

  private static void report(StreamListener<PutResult> ack, Body body) {
    try {
      body.run();
    } catch (Exception e) {
      ack.onError(status(e));
    }
  }

  private void upload(CallContext context, List<String> path, FlightStream stream, StreamListener<PutResult> ack)
      throws Exception {
    if (path.isEmpty() || path.size() > 2 || (path.size() == 2 && !REPLACE.equals(path.get(1)))) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("an upload's descriptor is the path [name] or [name, \""
          + REPLACE + "\"], not " + path).toRuntimeException();
    }
    String name = path.get(0);
    boolean replace = path.size() == 2;
    if (backend.resources().contains(name)) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("'" + name + "' names a resource; choose another table"
          + " name").toRuntimeException();
    }
    List<FlightBackend.Daemon> connected = backend.daemons();
    List<FlightBackend.Daemon> holders = connected.stream().filter(d -> d.hosting().contains(name)).toList();
    if (!holders.isEmpty() && !replace) {
      throw CallStatus.ALREADY_EXISTS.withDescription("table '" + name + "' exists; upload to the path [" + name
          + ", \"" + REPLACE + "\"] to replace it").toRuntimeException();
    }
    String resource = backend.uploadResource();
    checkWrite(context, tablesResource(name));
    FlightBackend.Daemon target = !holders.isEmpty() ? holders.get(0) : leastBusy(connected, resource);
    relayPut(target, stream.getDescriptor(), stream, ack);
  }

  private void ingest(CallContext context, CommandStatementIngest command, FlightStream stream,
      StreamListener<PutResult> ack) throws Exception {
    if (command.hasTransactionId()) {
      ingestInTransaction(context, command, stream, ack);
      return;
    }
    String resource = command.hasCatalog() ? command.getCatalog() : KapuFlightSqlProducer.sessionCatalog(context);
    if (resource == null) {
      resource = backend.resources().get(0);
    }
    if (!backend.resources().contains(resource)) {
      throw CallStatus.NOT_FOUND.withDescription("no catalog '" + resource + "' (served: " + backend.resources()
          + ")").toRuntimeException();
    }
    checkWrite(context, resource);
    FlightBackend.Daemon target = leastBusy(backend.daemons(), resource);
    FlightDescriptor forDaemon = FlightDescriptor.command(
        Any.pack(command.toBuilder().setCatalog(resource).build()).toByteArray());
    relayPut(target, forDaemon, stream, ack);
  }

  /** Bulk ingest that joins an open transaction: on the daemon that holds it, on its connection. */
  private void ingestInTransaction(CallContext context, CommandStatementIngest command, FlightStream stream,
      StreamListener<PutResult> ack) {
    SqlBackend.Transaction t = flightSql.transaction(context, command.getTransactionId());
    if (command.hasCatalog() && !command.getCatalog().equals(t.catalog())) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("transaction " + t.id() + " runs on catalog '" + t.catalog()
          + "', not '" + command.getCatalog() + "'").toRuntimeException();
    }
    checkWrite(context, t.catalog());
    FlightBackend.Daemon holder = backend.daemons().stream().filter(d -> d.id().equals(t.holder())).findFirst()
        .orElseThrow(() -> CallStatus.INVALID_ARGUMENT.withDescription("transaction " + t.id() + " was lost with"
            + " daemon " + t.holder() + ", which held it; the database rolled it back").toRuntimeException());
    FlightDescriptor forDaemon = FlightDescriptor.command(Any.pack(command.toBuilder().setCatalog(t.catalog())
        .setTransactionId(ByteString.copyFromUtf8(t.id())).build()).toByteArray());
    relayPut(holder, forDaemon, stream, ack);
  }

  /** The least busy daemon hosting {@code resource} (any daemon if null). */
  private static FlightBackend.Daemon leastBusy(List<FlightBackend.Daemon> connected, String resource) {
    return connected.stream()
        .filter(d -> resource == null || d.hosting().contains(resource))
        .min(Comparator.comparingLong(FlightBackend.Daemon::executing))
        .orElseThrow(() -> CallStatus.UNAVAILABLE.withDescription(resource == null ? "no daemon is connected"
            : "no connected daemon hosts '" + resource + "'").toRuntimeException());
  }

  /**
   * Streams the client's batches on to the daemon as they arrive (nothing is held here), and the
   * daemon's answer back. If the client's stream fails or is cut, the daemon's is cancelled, so it
   * keeps nothing.
   */
  private void relayPut(FlightBackend.Daemon target, FlightDescriptor descriptor, FlightStream stream,
      StreamListener<PutResult> ack) {
    VectorSchemaRoot root = stream.getRoot(); // waits for the client's schema
    Answers answers = new Answers();
    FlightClient client = daemons.client(target.location());
    ClientStreamListener put = client.startPut(descriptor, root, answers, daemons.token());
    try {
      while (!answers.done && stream.next()) {
        put.putNext();
      }
    } catch (RuntimeException cut) {
      put.error(CallStatus.CANCELLED.withDescription("the client's upload stream failed: " + cut.getMessage())
          .toRuntimeException());
      throw cut;
    }
    put.completed();
    put.getResult(); // the daemon's error, if it refused or failed
    for (byte[] metadata : answers.metadata) {
      try (ArrowBuf buffer = allocator.buffer(metadata.length)) {
        buffer.writeBytes(metadata);
        ack.onNext(PutResult.metadata(buffer));
      }
    }
    ack.onCompleted();
  }

  /** What the daemon answers a DoPut with; once done, the relay stops sending. */
  private static final class Answers implements FlightClient.PutListener {
    final List<byte[]> metadata = new ArrayList<>();
    final java.util.concurrent.CompletableFuture<Void> result = new java.util.concurrent.CompletableFuture<>();
    volatile boolean done;

    @Override
    public void onNext(PutResult value) {
      ArrowBuf buffer = value.getApplicationMetadata();
      if (buffer != null) {
        byte[] bytes = new byte[(int) buffer.readableBytes()];
        buffer.getBytes(buffer.readerIndex(), bytes);
        synchronized (metadata) {
          metadata.add(bytes);
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      done = true;
      result.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      done = true;
      result.complete(null);
    }

    @Override
    public void getResult() {
      try {
        result.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw CallStatus.CANCELLED.withDescription("interrupted").toRuntimeException();
      } catch (ExecutionException e) {
        throw status(e.getCause());
      }
    }

    @Override
    public boolean isCancelled() {
      return done;
    }
  }

  // ---- DoExchange ----------------------------------------------------------------------------

  @Override
  public void doExchange(CallContext context, FlightStream reader, ServerStreamListener writer) {
    FlightDescriptor descriptor = reader.getDescriptor();
    if (descriptor.isCommand() || descriptor.getPath().isEmpty()) {
      writer.error(CallStatus.INVALID_ARGUMENT.withDescription("DoExchange runs a columnar function: its"
          + " descriptor is the path [function, argument...]").toRuntimeException());
      return;
    }
    FlightBackend.Daemon target;
    try {
      target = leastBusy(backend.daemons(), null);
    } catch (FlightRuntimeException e) {
      writer.error(e);
      return;
    }
    ExchangeReaderWriter exchange = daemons.client(target.location()).doExchange(descriptor, daemons.token());
    // The client's batches go up on a thread of their own while this one brings the answer down.
    Future<?> upstream = pumps.submit(() -> {
      try {
        VectorSchemaRoot in = reader.getRoot();
        exchange.getWriter().start(in);
        while (reader.next()) {
          exchange.getWriter().putNext();
        }
        exchange.getWriter().completed();
      } catch (RuntimeException e) {
        exchange.getWriter().error(CallStatus.CANCELLED.withDescription("the client's stream failed: "
            + e.getMessage()).toRuntimeException());
      }
    });
    try {
      FlightStream answer = exchange.getReader();
      writer.start(answer.getRoot());
      while (answer.next()) {
        if (!Outbound.awaitReady(writer)) {
          answer.cancel("the client went away", null);
          return;
        }
        writer.putNext();
      }
      writer.completed();
    } catch (RuntimeException e) {
      writer.error(status(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      writer.error(CallStatus.CANCELLED.withDescription("the server is stopping").toRuntimeException());
    } finally {
      try {
        upstream.get(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        upstream.cancel(true);
      }
      try {
        exchange.close();
      } catch (Exception e) {
        log.debug("closing an exchange with daemon {}: {}", target.id(), e.toString());
      }
    }
  }

  // ---- the rest is Flight SQL's --------------------------------------------------------------

  @Override
  public void doAction(CallContext context, Action action, StreamListener<org.apache.arrow.flight.Result> listener) {
    flightSql.doAction(context, action, listener);
  }

  @Override
  public void listActions(CallContext context, StreamListener<ActionType> listener) {
    flightSql.listActions(context, listener);
  }

  @Override
  public void close() throws Exception {
    pumps.shutdownNow();
    AutoCloseables.close(flightSql, daemons);
  }
}
