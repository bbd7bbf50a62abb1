package dev.kapu.flight.plain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kapu.api.AccessRight;
import dev.kapu.flight.AccessControl;
import dev.kapu.flight.ErrorStatuses;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightProducer.CallContext;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * DoGet's Kapu tickets, UTF-8 JSON: {@code {"table": NAME}} streams a daemon's table, {@code {"sql":
 * SQL, "resource": NAME}} a query's result (a SQL ticket needs READ on its resource and runs
 * read-only for a user who may only read).
 */
final class KapuTickets {
  /** What a ticket may be, for the message that refuses one. */
  static final String FORMATS =
      "a Kapu ticket ({\"table\": NAME} or {\"sql\": SQL, \"resource\": NAME}) or a Flight SQL ticket";

  private final FlightBackend backend;
  private final AccessControl access;
  private final DaemonTables tables;
  private final ObjectMapper json;

  KapuTickets(FlightBackend backend, AccessControl access, DaemonTables tables, ObjectMapper json) {
    this.backend = backend;
    this.access = access;
    this.tables = tables;
    this.json = json;
  }

  /** A Kapu ticket starts with its JSON object; anything else is Flight SQL's. */
  static boolean isKapuTicket(byte[] ticket) {
    return ticket.length > 0 && ticket[0] == '{';
  }

  /** The stream a Kapu ticket stands for. */
  ArrowReader open(CallContext context, byte[] ticket) throws Exception {
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
      if (!tables.names().contains(name) || !tables.mayRead(context, name)) {
        throw tables.notFound(name);
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
    return tables.names().stream()
        .filter(t -> Pattern.compile("\\b" + Pattern.quote(t.toLowerCase(Locale.ROOT)) + "\\b").matcher(lower).find())
        .toList();
  }
}
