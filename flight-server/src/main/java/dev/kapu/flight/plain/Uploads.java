package dev.kapu.flight.plain;

import static dev.kapu.flight.plain.KapuFlightProducer.REPLACE;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.kapu.api.AccessRight;
import dev.kapu.flight.AccessControl;
import dev.kapu.flight.sql.KapuFlightSqlProducer;
import dev.kapu.flight.sql.SqlBackend;
import java.util.List;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightProducer.CallContext;
import org.apache.arrow.flight.FlightProducer.StreamListener;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandStatementIngest;

/**
 * DoPut's writes, each relayed to the daemon that takes it: a table uploaded into a daemon's memory
 * (path {@code [name]}, or {@code [name, "replace"]}), and Flight SQL bulk ingest into a catalog,
 * on its own or in an open transaction. Every write path checks WRITE on its target here.
 */
final class Uploads {
  private final FlightBackend backend;
  private final AccessControl access;
  private final DaemonTables tables;
  private final KapuFlightSqlProducer flightSql;
  private final PutRelay relay;

  Uploads(FlightBackend backend, AccessControl access, DaemonTables tables, KapuFlightSqlProducer flightSql,
      PutRelay relay) {
    this.backend = backend;
    this.access = access;
    this.tables = tables;
    this.flightSql = flightSql;
    this.relay = relay;
  }

  /** NOT_FOUND or UNAUTHORIZED unless the user may write to {@code resource}. */
  private void checkWrite(CallContext context, String resource) {
    access.check(context.peerIdentity(), resource, AccessRight.WRITE);
  }

  void upload(CallContext context, List<String> path, FlightStream stream, StreamListener<PutResult> ack) {
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
    checkWrite(context, tables.resourceOf(name));
    FlightBackend.Daemon target = !holders.isEmpty() ? holders.get(0) : DaemonChoice.leastBusy(connected, resource);
    relay.relay(target, stream.getDescriptor(), stream, ack);
  }

  /** Bulk ingest into the catalog (resource) named, else the session's, on the least busy daemon that hosts it. */
  void ingest(CallContext context, CommandStatementIngest command, FlightStream stream,
      StreamListener<PutResult> ack) {
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
    FlightBackend.Daemon target = DaemonChoice.leastBusy(backend.daemons(), resource);
    FlightDescriptor forDaemon = FlightDescriptor.command(
        Any.pack(command.toBuilder().setCatalog(resource).build()).toByteArray());
    relay.relay(target, forDaemon, stream, ack);
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
    relay.relay(holder, forDaemon, stream, ack);
  }
}
