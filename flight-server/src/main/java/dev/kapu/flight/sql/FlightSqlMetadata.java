package dev.kapu.flight.sql;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import dev.kapu.api.AccessRight;
import dev.kapu.api.builtin.CatalogRequest.ForeignKeys.Direction;
import dev.kapu.api.builtin.CatalogRequest;
import dev.kapu.flight.AccessControl;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.sql.FlightSqlProducer.Schemas;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetCrossReference;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetDbSchemas;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetExportedKeys;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetImportedKeys;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetPrimaryKeys;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetSqlInfo;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetTables;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetXdbcTypeInfo;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Flight SQL's metadata calls over hosted resources: GetSqlInfo, catalogs, schemas, tables, table
 * types, primary and foreign keys, and XDBC type info. What a database knows is asked of it on a
 * daemon ({@link SqlBackend#metadata}); a call that names no catalog covers every SQL catalog the
 * user may see, in name order. The database's GetSqlInfo answers are asked once per catalog and
 * kept.
 */
final class FlightSqlMetadata {
  private static final List<String> TABLE_TYPES = List.of("LOCAL TEMPORARY", "TABLE", "VIEW");

  private final SqlBackend backend;
  private final AccessControl access;
  private final BufferAllocator allocator;
  private final SqlInfoAnswers answers;
  /** The database's GetSqlInfo answers, by catalog; a catalog's database does not change what it speaks. */
  private final Map<String, Map<Integer, Object>> databaseInfo = new ConcurrentHashMap<>();

  FlightSqlMetadata(SqlBackend backend, AccessControl access, BufferAllocator allocator, String version) {
    this.backend = backend;
    this.access = access;
    this.allocator = allocator;
    this.answers = new SqlInfoAnswers(version);
  }

  /** A metadata command's FlightInfo: its ticket is the command, fetched from this server. */
  static FlightInfo flightInfo(Message command, Schema schema, FlightDescriptor descriptor) {
    Ticket ticket = new Ticket(Any.pack(command).toByteArray());
    return new FlightInfo(schema, descriptor, List.of(new FlightEndpoint(ticket)), -1, -1);
  }

  /**
   * The catalog a session chose (or its user's default), which the calls that name none answer for.
   *
   * @param mayOnlyRead the session's user may only read it
   */
  record SessionCatalog(String name, boolean mayOnlyRead) {}

  /** GetSqlInfo for a session. */
  void sqlInfo(CommandGetSqlInfo command, SessionCatalog session, ServerStreamListener listener) {
    try {
      Map<Integer, Object> values = answers.answer(databaseInfo(session.name()), session.mayOnlyRead());
      List<Integer> codes = command.getInfoCount() > 0 ? command.getInfoList() : values.keySet().stream().sorted().toList();
      try (VectorSchemaRoot root = VectorSchemaRoot.create(Schemas.GET_SQL_INFO_SCHEMA, allocator)) {
        root.allocateNew();
        SqlInfoValues.write(values, codes, root);
        listener.start(root);
        listener.putNext();
        listener.completed();
      }
    } catch (Exception e) {
      listener.error(KapuFlightSqlProducer.status(e));
    }
  }

  private Map<Integer, Object> databaseInfo(String catalog) throws Exception {
    if (!backend.sqlCatalogs().contains(catalog)) {
      return Map.of();
    }
    Map<Integer, Object> known = databaseInfo.get(catalog);
    if (known == null) {
      Map<Integer, Object> read = new HashMap<>();
      // Kapu's own read of the database's metadata, the same for every user: no user SQL runs.
      for (List<Object> row : backend.metadata(catalog, new CatalogRequest.Info(), false)) {
        read.put((Integer) row.get(0), row.get(1));
      }
      known = Map.copyOf(read);
      databaseInfo.putIfAbsent(catalog, known);
    }
    return known;
  }

  void catalogs(List<String> visible, ServerStreamListener listener) {
    List<List<Object>> rows = visible.stream().sorted().map(c -> List.<Object>of(c)).toList();
    MetadataRows.send(Schemas.GET_CATALOGS_SCHEMA, rows, allocator, listener);
  }

  void tableTypes(ServerStreamListener listener) {
    MetadataRows.send(Schemas.GET_TABLE_TYPES_SCHEMA, TABLE_TYPES.stream().map(t -> List.<Object>of(t)).toList(),
        allocator, listener);
  }

  void schemas(CommandGetDbSchemas command, String user, ServerStreamListener listener) {
    send(Schemas.GET_SCHEMAS_SCHEMA, user, command.hasCatalog() ? command.getCatalog() : null,
        new CatalogRequest.Schemas(command.hasDbSchemaFilterPattern() ? command.getDbSchemaFilterPattern() : null),
        listener);
  }

  void tables(CommandGetTables command, String user, ServerStreamListener listener) {
    CatalogRequest request = new CatalogRequest.Tables(
        command.hasDbSchemaFilterPattern() ? command.getDbSchemaFilterPattern() : null,
        command.hasTableNameFilterPattern() ? command.getTableNameFilterPattern() : null,
        List.copyOf(command.getTableTypesList()), command.getIncludeSchema());
    send(command.getIncludeSchema() ? Schemas.GET_TABLES_SCHEMA : Schemas.GET_TABLES_SCHEMA_NO_SCHEMA, user,
        command.hasCatalog() ? command.getCatalog() : null, request, listener);
  }

  void primaryKeys(CommandGetPrimaryKeys command, String user, ServerStreamListener listener) {
    send(Schemas.GET_PRIMARY_KEYS_SCHEMA, user, command.hasCatalog() ? command.getCatalog() : null,
        new CatalogRequest.PrimaryKeys(command.hasDbSchema() ? command.getDbSchema() : null, command.getTable()),
        listener);
  }

  void importedKeys(CommandGetImportedKeys command, String user, ServerStreamListener listener) {
    send(Schemas.GET_IMPORTED_KEYS_SCHEMA, user, command.hasCatalog() ? command.getCatalog() : null,
        new CatalogRequest.ForeignKeys(Direction.IMPORTED, null, null,
            command.hasDbSchema() ? command.getDbSchema() : null, command.getTable()),
        listener);
  }

  void exportedKeys(CommandGetExportedKeys command, String user, ServerStreamListener listener) {
    send(Schemas.GET_EXPORTED_KEYS_SCHEMA, user, command.hasCatalog() ? command.getCatalog() : null,
        new CatalogRequest.ForeignKeys(Direction.EXPORTED, command.hasDbSchema() ? command.getDbSchema() : null,
            command.getTable(), null, null),
        listener);
  }

  /** Keys between two tables of one catalog; tables in two catalogs (two databases) share none. */
  void crossReference(CommandGetCrossReference command, String user, ServerStreamListener listener) {
    String pkCatalog = command.hasPkCatalog() ? command.getPkCatalog() : null;
    String fkCatalog = command.hasFkCatalog() ? command.getFkCatalog() : null;
    CatalogRequest request = new CatalogRequest.ForeignKeys(Direction.CROSS,
        command.hasPkDbSchema() ? command.getPkDbSchema() : null, command.getPkTable(),
        command.hasFkDbSchema() ? command.getFkDbSchema() : null, command.getFkTable());
    if (pkCatalog != null && fkCatalog != null && !pkCatalog.equals(fkCatalog)) {
      MetadataRows.send(Schemas.GET_CROSS_REFERENCE_SCHEMA, List.of(), allocator, listener);
      return;
    }
    send(Schemas.GET_CROSS_REFERENCE_SCHEMA, user, pkCatalog != null ? pkCatalog : fkCatalog, request, listener);
  }

  /** The types of the session's catalog's database (the command names no catalog). */
  void typeInfo(CommandGetXdbcTypeInfo command, SessionCatalog session, ServerStreamListener listener) {
    try {
      List<List<Object>> rows = backend.sqlCatalogs().contains(session.name())
          ? backend.metadata(session.name(),
              new CatalogRequest.TypeInfo(command.hasDataType() ? command.getDataType() : null), session.mayOnlyRead())
          : List.of();
      MetadataRows.send(Schemas.GET_TYPE_INFO_SCHEMA, rows, allocator, listener);
    } catch (Exception e) {
      listener.error(KapuFlightSqlProducer.status(e));
    }
  }

  /** Asks every catalog the call covers and sends their rows, catalog by catalog. */
  private void send(Schema schema, String user, String requestedCatalog, CatalogRequest request,
      ServerStreamListener listener) {
    try {
      List<List<Object>> rows = new ArrayList<>();
      for (String catalog : sqlCatalogs(user, requestedCatalog)) {
        boolean mayOnlyRead = !access.right(user, catalog).covers(AccessRight.WRITE);
        rows.addAll(backend.metadata(catalog, request, mayOnlyRead));
      }
      MetadataRows.send(schema, rows, allocator, listener);
    } catch (Exception e) {
      listener.error(KapuFlightSqlProducer.status(e));
    }
  }

  /** The SQL catalogs a request covers: those its user sees, all or the one it names, in name order. */
  private List<String> sqlCatalogs(String user, String requested) {
    return access.visible(user, backend.sqlCatalogs()).stream()
        .filter(c -> requested == null || requested.equals(c))
        .sorted()
        .toList();
  }
}
