package dev.kapu.flight.plain;

import static dev.kapu.flight.sql.KapuFlightSqlProducer.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.kapu.flight.AccessControl;
import dev.kapu.flight.Outbound;
import dev.kapu.flight.ResultStreams;
import dev.kapu.flight.sql.KapuFlightSqlProducer;
import dev.kapu.flight.sql.SqlBackend;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.ActionType;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightProducer;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.SchemaResult;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandStatementIngest;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.ipc.ArrowReader;

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
 * (every write path goes through {@link Uploads}); the daemons' tables are seen by users who
 * hold a right on the resource uploads go with; a SQL ticket needs READ on its resource and runs
 * read-only for a user who may only read.
 */
public final class KapuFlightProducer implements FlightProducer, AutoCloseable {
  private static final String FLIGHT_SQL_TYPES = "type.googleapis.com/arrow.flight.protocol.sql.";
  /** The second element of an upload's path that allows replacing a table. */
  public static final String REPLACE = "replace";

  private final KapuFlightSqlProducer flightSql;
  private final ResultStreams daemons;
  private final DaemonTables tables;
  private final KapuTickets tickets;
  private final Uploads uploads;
  private final ColumnarExchange exchanges;

  /**
   * @param flightSql serves the Flight SQL calls (a {@link KapuFlightSqlProducer})
   * @param daemons reaches the daemons' own endpoints with the session's token; closed with this
   */
  public KapuFlightProducer(FlightBackend backend, AccessControl access, KapuFlightSqlProducer flightSql,
      ResultStreams daemons, BufferAllocator allocator) {
    ObjectMapper json = new ObjectMapper();
    this.flightSql = flightSql;
    this.daemons = daemons;
    this.tables = new DaemonTables(backend, access, daemons, json);
    this.tickets = new KapuTickets(backend, access, tables, json);
    this.uploads = new Uploads(backend, access, tables, flightSql, new PutRelay(daemons, allocator));
    this.exchanges = new ColumnarExchange(backend, daemons);
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

  @Override
  public void listFlights(CallContext context, Criteria criteria, StreamListener<FlightInfo> listener) {
    try {
      tables.visibleTo(context).forEach(listener::onNext);
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
    return tables.toFetch(context, descriptor, flightSql.delivery() == KapuFlightSqlProducer.Delivery.DIRECT);
  }

  @Override
  public SchemaResult getSchema(CallContext context, FlightDescriptor descriptor) {
    if (descriptor.isCommand()) {
      if (isFlightSql(descriptor.getCommand())) {
        return flightSql.getSchema(context, descriptor);
      }
      throw notFlightSqlCommand();
    }
    return new SchemaResult(tables.describe(context, descriptor).getSchema());
  }

  // ---- DoGet ---------------------------------------------------------------------------------

  @Override
  public void getStream(CallContext context, Ticket ticket, ServerStreamListener listener) {
    byte[] bytes = ticket.getBytes();
    SqlBackend.Parked parked = tables.takeIssued(bytes);
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
    if (!KapuTickets.isKapuTicket(bytes)) {
      if (isFlightSql(bytes) || flightSql.handedOutForADaemon(ticket)) {
        flightSql.getStream(context, ticket, listener); // the latter: it says where to fetch it
      } else {
        listener.error(CallStatus.INVALID_ARGUMENT.withDescription("malformed ticket: neither "
            + KapuTickets.FORMATS).toRuntimeException());
      }
      return;
    }
    ArrowReader reader;
    try {
      reader = tickets.open(context, bytes);
    } catch (Exception e) {
      listener.error(status(e));
      return;
    }
    relay(reader, listener);
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
        return () -> report(ack, () -> uploads.ingest(context, ingest, stream, ack));
      }
      if (isFlightSql(descriptor.getCommand())) {
        return flightSql.acceptPut(context, stream, ack);
      }
      return () -> ack.onError(notFlightSqlCommand());
    }
    return () -> report(ack, () -> uploads.upload(context, descriptor.getPath(), stream, ack));
  }

  private static CommandStatementIngest ingestCommand(byte[] command) {
    try {
      Any any = Any.parseFrom(command);
      return any.is(CommandStatementIngest.class) ? any.unpack(CommandStatementIngest.class) : null;
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  /** A write's failure reaches the client as a Flight status. */
  private static void report(StreamListener<PutResult> ack, Runnable write) {
    try {
      write.run();
    } catch (RuntimeException e) {
      ack.onError(status(e));
    }
  }

  // ---- DoExchange ----------------------------------------------------------------------------

  @Override
  public void doExchange(CallContext context, FlightStream reader, ServerStreamListener writer) {
    exchanges.exchange(reader, writer);
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
    exchanges.close();
    AutoCloseables.close(flightSql, daemons);
  }
}
