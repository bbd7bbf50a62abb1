package dev.kapu.daemon.internal;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.kapu.daemon.spi.ColumnarFunction;
import dev.kapu.daemon.spi.HostedResource;
import dev.kapu.flight.ErrorStatuses;
import dev.kapu.flight.FlightStreamReader;
import dev.kapu.flight.Outbound;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.flight.FlightProducer.StreamListener;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandStatementIngest;
import org.apache.arrow.flight.sql.impl.FlightSql.DoPutUpdateResult;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Flight calls a daemon's endpoint answers besides fetching parked results, for the server
 * that relays them (authorization and placement happened there):
 *
 * <ul>
 *   <li>{@code ListFlights}: this daemon's Arrow tables (path descriptor {@code [name]}, schema,
 *       rows, bytes).
 *   <li>{@code DoPut} with a path {@code [name]} or {@code [name, "replace"]}: a table into memory,
 *       visible only once the stream has completed; a failed or cut stream stores nothing.
 *   <li>{@code DoPut} with a Flight SQL {@code CommandStatementIngest} whose catalog names a
 *       resource whose kind takes ingest (duckdb): the batches go into a table, in one transaction:
 *       its own, or the open transaction the command names (held here).
 *   <li>{@code DoExchange} with a path {@code [function, argument...]}: a {@link ColumnarFunction}
 *       over the incoming batches, batch by batch.
 * </ul>
 */
public final class DaemonCalls {
  private static final Logger log = LoggerFactory.getLogger(DaemonCalls.class);
  /** The second path element of an upload that may replace a table of that name. */
  public static final String REPLACE = "replace";
  private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

  private final TableStore tables;
  private final ResourceRegistry resources;
  private final OpenTransactions transactions;
  private final BufferAllocator allocator;
  private final Map<String, ColumnarFunction> functions = new TreeMap<>();

  public DaemonCalls(TableStore tables, ResourceRegistry resources, OpenTransactions transactions,
      BufferAllocator allocator) {
    this.tables = tables;
    this.resources = resources;
    this.transactions = transactions;
    this.allocator = allocator;
    for (ColumnarFunction f : ServiceLoader.load(ColumnarFunction.class)) {
      functions.putIfAbsent(f.name(), f);
    }
  }

  /**
   * Null if {@code name} may name an uploaded table (SQL finds it by name, so it must be a plain
   * identifier), else why not.
   */
  public static String invalidTableName(String name) {
    return TABLE_NAME.matcher(name).matches() ? null
        : "'" + name + "' is not a table name: letters, digits and _, not starting with a digit, at most 128";
  }

  // ---- ListFlights --------------------------------------------------------------------------

  public void listFlights(Criteria criteria, StreamListener<FlightInfo> listener) {
    for (String name : tables.names()) {
      FlightInfo info;
      try {
        info = new FlightInfo(tables.schema(name), FlightDescriptor.path(name), List.of(),
            tables.bytes(name), tables.rowCount(name));
      } catch (IllegalArgumentException droppedMeanwhile) {
        continue;
      }
      listener.onNext(info);
    }
    listener.onCompleted();
  }

  // ---- DoPut ---------------------------------------------------------------------------------

  public Runnable acceptPut(FlightStream stream, StreamListener<PutResult> ack) {
    return () -> {
      try {
        FlightDescriptor descriptor = stream.getDescriptor();
        long rows = descriptor.isCommand() ? ingest(descriptor, stream) : upload(descriptor.getPath(), stream);
        byte[] count = DoPutUpdateResult.newBuilder().setRecordCount(rows).build().toByteArray();
        try (ArrowBuf buffer = allocator.buffer(count.length)) {
          buffer.writeBytes(count);
          ack.onNext(PutResult.metadata(buffer));
        }
        ack.onCompleted();
      } catch (Exception e) {
        log.debug("a DoPut failed", e);
        ack.onError(status(e));
      }
    };
  }

  private long upload(List<String> path, FlightStream stream) throws IOException {
    if (path.isEmpty() || path.size() > 2 || (path.size() == 2 && !REPLACE.equals(path.get(1)))) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("an upload's descriptor is the path [name] or [name, \""
          + REPLACE + "\"], not " + path).toRuntimeException();
    }
    String name = path.get(0);
    String invalid = invalidTableName(name);
    if (invalid != null) {
      throw CallStatus.INVALID_ARGUMENT.withDescription(invalid).toRuntimeException();
    }
    boolean replace = path.size() == 2;
    if (!replace && tables.contains(name)) {
      throw exists(name); // before the client streams the whole table in vain
    }
    FlightStreamReader reader = new FlightStreamReader(stream, false);
    try {
      if (replace) {
        tables.put(name, reader);
      } else if (!tables.create(name, reader)) {
        throw exists(name);
      }
    } catch (IOException e) {
      if (e.getCause() instanceof OutOfMemoryException) {
        throw CallStatus.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).toRuntimeException();
      }
      throw e;
    }
    log.info("stored uploaded table '{}' ({} rows)", name, reader.rows());
    return reader.rows();
  }

  private static FlightRuntimeException exists(String name) {
    return CallStatus.ALREADY_EXISTS.withDescription("table '" + name + "' exists; upload to the path [" + name
        + ", \"" + REPLACE + "\"] to replace it").toRuntimeException();
  }

  /**
   * Bulk ingest into a table of the resource the command's catalog names, which its kind carries
   * out ({@link HostedResource#ingest}) in a transaction of its own or the open one the command names.
   */
  private long ingest(FlightDescriptor descriptor, FlightStream stream) throws Exception {
    CommandStatementIngest command;
    try {
      Any any = Any.parseFrom(descriptor.getCommand());
      if (!any.is(CommandStatementIngest.class)) {
        throw CallStatus.INVALID_ARGUMENT.withDescription("this daemon takes no DoPut command but"
            + " CommandStatementIngest, not " + any.getTypeUrl()).toRuntimeException();
      }
      command = any.unpack(CommandStatementIngest.class);
    } catch (InvalidProtocolBufferException e) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("malformed DoPut command").toRuntimeException();
    }
    HostedResource resource;
    try {
      resource = resources.get(command.getCatalog());
    } catch (IllegalArgumentException e) {
      throw CallStatus.NOT_FOUND.withDescription(e.getMessage()).toRuntimeException();
    }
    FlightStreamReader batches = new FlightStreamReader(stream, false);
    try {
      if (command.hasTransactionId()) {
        transactions.use(command.getTransactionId().toStringUtf8(), held -> {
          if (!held.resource().equals(command.getCatalog()) || held.readOnly()) {
            throw CallStatus.INVALID_ARGUMENT.withDescription("bulk ingest joins a read-write transaction on its"
                + " catalog; this one " + (held.readOnly() ? "is read-only" : "runs on '" + held.resource() + "'"))
                .toRuntimeException();
          }
          resource.ingest(command, batches, held.connection());
          return null;
        });
      } else {
        resource.ingest(command, batches, null);
      }
    } catch (IllegalArgumentException e) { // the kind takes no such ingest
      throw CallStatus.INVALID_ARGUMENT.withDescription("catalog '" + command.getCatalog() + "': " + e.getMessage())
          .withCause(e).toRuntimeException();
    }
    log.info("ingested {} rows into '{}'.{}", batches.rows(), command.getCatalog(), command.getTable());
    return batches.rows();
  }

  // ---- DoExchange ----------------------------------------------------------------------------

  public void doExchange(FlightStream reader, ServerStreamListener writer) {
    FlightDescriptor descriptor = reader.getDescriptor();
    if (descriptor.isCommand() || descriptor.getPath().isEmpty()) {
      writer.error(CallStatus.INVALID_ARGUMENT.withDescription("an exchange's descriptor is the path"
          + " [function, argument...]").toRuntimeException());
      return;
    }
    String name = descriptor.getPath().get(0);
    ColumnarFunction function = functions.get(name);
    if (function == null) {
      writer.error(CallStatus.NOT_FOUND.withDescription("no columnar function '" + name + "' on this daemon"
          + " (it has: " + functions.keySet() + ")").toRuntimeException());
      return;
    }
    List<String> arguments = descriptor.getPath().subList(1, descriptor.getPath().size());
    try (ColumnarFunction.Call call = function.open(reader.getSchema(), arguments);
        VectorSchemaRoot out = VectorSchemaRoot.create(call.output(), allocator)) {
      writer.start(out);
      VectorSchemaRoot in = reader.getRoot();
      while (reader.next()) {
        out.allocateNew();
        call.apply(in, out);
        if (!send(out, writer)) {
          return;
        }
      }
      out.allocateNew();
      call.finish(out);
      if (send(out, writer)) {
        writer.completed();
      }
    } catch (Exception e) {
      log.debug("columnar function '{}' failed", name, e);
      FlightRuntimeException status = e instanceof FlightRuntimeException f ? f
          : (e instanceof IllegalArgumentException ? CallStatus.INVALID_ARGUMENT : CallStatus.INTERNAL)
              .withDescription("columnar function '" + name + "' failed: " + ErrorStatuses.message(e))
              .withCause(e).toRuntimeException();
      writer.error(status);
    }
  }

  /** Sends {@code out} unless it is empty; false if the client went away. */
  private static boolean send(VectorSchemaRoot out, ServerStreamListener writer) throws InterruptedException {
    if (out.getRowCount() == 0) {
      return true;
    }
    if (!Outbound.awaitReady(writer)) {
      return false;
    }
    writer.putNext();
    return true;
  }

  private static FlightRuntimeException status(Exception e) {
    return DatabaseErrors.status("", e);
  }
}
