package dev.kapu.flight.plain;

import static dev.kapu.flight.sql.KapuFlightSqlProducer.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.kapu.flight.AccessControl;
import dev.kapu.flight.ResultStreams;
import dev.kapu.flight.internal.Recent;
import dev.kapu.flight.sql.SqlBackend;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightProducer.CallContext;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Arrow tables the daemons hold, as plain Flight lists and describes them, and the one-time
 * tickets direct delivery hands out for them. A user sees the tables if they hold a right on the
 * resource uploads go with.
 */
final class DaemonTables {
  private static final Logger log = LoggerFactory.getLogger(DaemonTables.class);

  private final FlightBackend backend;
  private final AccessControl access;
  private final ResultStreams daemons;
  private final ObjectMapper json;
  /** Direct delivery: the tables' tickets handed out, and where each stream waits. */
  private final Recent<SqlBackend.Parked> issued = new Recent<>();

  DaemonTables(FlightBackend backend, AccessControl access, ResultStreams daemons, ObjectMapper json) {
    this.backend = backend;
    this.access = access;
    this.daemons = daemons;
    this.json = json;
  }

  /**
   * The resource whose rights govern the daemons' tables: the one uploads go with, else (no such
   * resource) the table's own name, which only a {@code "*"} right covers.
   */
  String resourceOf(String table) {
    String resource = backend.uploadResource();
    return resource != null ? resource : table;
  }

  boolean mayRead(CallContext context, String table) {
    return access.right(context.peerIdentity(), resourceOf(table)) != null;
  }

  /** The tables the daemons hold: hosted names that are not resources. */
  Set<String> names() {
    Set<String> names = new TreeSet<>();
    backend.daemons().forEach(d -> names.addAll(d.hosting()));
    names.removeAll(backend.resources());
    return names;
  }

  /** Every table the user may read, by name. */
  List<FlightInfo> visibleTo(CallContext context) {
    return all().stream().filter(t -> mayRead(context, t.getDescriptor().getPath().get(0))).toList();
  }

  private List<FlightInfo> all() {
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
              List.of(new FlightEndpoint(ticket(name))), info.getBytes(), info.getRecords()));
        }
      } catch (FlightRuntimeException e) {
        log.warn("daemon {} did not list its tables (leaving?): {}", d.id(), e.toString());
      }
    }
    infos.sort(Comparator.comparing(i -> i.getDescriptor().getPath().get(0)));
    return infos;
  }

  private Ticket ticket(String name) {
    ObjectNode ticket = json.createObjectNode().put("table", name);
    return new Ticket(ticket.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A table's {@code FlightInfo} as {@code GetFlightInfo} answers it: with direct delivery, its
   * stream waits on the daemon that holds the table and the endpoint says where, with a one-time
   * ticket (which this server also accepts, and relays, for clients that ignore locations).
   */
  FlightInfo toFetch(CallContext context, FlightDescriptor descriptor, boolean direct) {
    FlightInfo listed = describe(context, descriptor);
    if (!direct) {
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

  /** The table {@code descriptor} names, as listed; NOT_FOUND unless the user may read it. */
  FlightInfo describe(CallContext context, FlightDescriptor descriptor) {
    if (descriptor.getPath().size() != 1) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("a table's descriptor is the path [name], not "
          + descriptor.getPath()).toRuntimeException();
    }
    String name = descriptor.getPath().get(0);
    if (!mayRead(context, name)) {
      throw notFound(name);
    }
    return all().stream().filter(i -> i.getDescriptor().getPath().get(0).equals(name)).findFirst()
        .orElseThrow(() -> notFound(name));
  }

  /** The direct-delivery ticket {@code ticket}, forgotten now (it is good for one fetch); null if none. */
  SqlBackend.Parked takeIssued(byte[] ticket) {
    return issued.remove(ByteString.copyFrom(ticket));
  }

  FlightRuntimeException notFound(String name) {
    return CallStatus.NOT_FOUND.withDescription("no table '" + name + "' (tables: " + names() + ")")
        .toRuntimeException();
  }
}
