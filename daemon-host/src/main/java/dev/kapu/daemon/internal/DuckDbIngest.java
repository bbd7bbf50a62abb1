package dev.kapu.daemon.internal;

import dev.kapu.flight.ErrorStatuses;
import dev.kapu.serial.ErrorCategory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.apache.arrow.c.ArrowArrayStream;
import org.apache.arrow.c.Data;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandStatementIngest.TableDefinitionOptions;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandStatementIngest;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.duckdb.DuckDBConnection;

/**
 * Flight SQL's bulk ingest into a DuckDB table: the batches go in through DuckDB's Arrow import,
 * one statement reading the whole stream, in one transaction: its own, or the client's.
 */
final class DuckDbIngest {
  private final BufferAllocator allocator;

  /** @param allocator for the C stream struct DuckDB reads the batches through */
  DuckDbIngest(BufferAllocator allocator) {
    this.allocator = allocator;
  }

  /**
   * Reads all of {@code batches} into the command's table. On a connection of its own ({@code
   * own}) it commits, or rolls back on failure; in a client's transaction that is the client's to do.
   */
  void ingest(DuckDBConnection connection, CommandStatementIngest command, ArrowReader batches, boolean own)
      throws Exception {
    String target = (command.hasSchema() ? quote(command.getSchema()) + "." : "") + quote(command.getTable());
    String sql = statement(command, target, exists(connection, command));
    String view = "kapu_ingest_" + UUID.randomUUID().toString().replace("-", "");
    try (ArrowArrayStream arrow = ArrowArrayStream.allocateNew(allocator)) {
      Data.exportArrayStream(allocator, batches, arrow);
      connection.registerArrowStream(view, arrow);
      try (Statement statement = connection.createStatement()) {
        statement.execute(sql + " SELECT * FROM " + view);
        if (own) {
          connection.commit();
        } else {
          statement.execute("DROP VIEW " + view); // the transaction goes on; the stream it reads does not
        }
      } catch (SQLException e) {
        if (own) {
          connection.rollback();
        }
        ErrorCategory category = DatabaseErrors.categorize(e);
        throw ErrorStatuses.of(category != null ? category : ErrorCategory.INVALID_STATEMENT,
            "bulk ingest into " + target + " failed, nothing was written"
                + (own ? "" : " (and DuckDB aborted the transaction: roll it back)") + ": " + ErrorStatuses.message(e), e);
      }
    }
  }

  /** The statement, up to its {@code SELECT}, that the table definition options call for. */
  static String statement(CommandStatementIngest command, String target, boolean exists) {
    TableDefinitionOptions options = command.getTableDefinitionOptions();
    if (command.getTemporary()) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("temporary tables are not supported: one lives"
          + " only as long as its connection, and each Kapu statement runs on a connection of its own")
          .toRuntimeException();
    }
    if (exists) {
      return switch (options.getIfExists()) {
        case TABLE_EXISTS_OPTION_APPEND -> "INSERT INTO " + target + " BY NAME";
        case TABLE_EXISTS_OPTION_REPLACE -> "CREATE OR REPLACE TABLE " + target + " AS";
        case TABLE_EXISTS_OPTION_FAIL -> throw CallStatus.ALREADY_EXISTS.withDescription("table " + target
            + " exists (the ingest's if-exists option is fail)").toRuntimeException();
        default -> throw CallStatus.INVALID_ARGUMENT.withDescription("table " + target + " exists and the"
            + " ingest's if-exists option is unspecified: say fail, append or replace").toRuntimeException();
      };
    }
    return switch (options.getIfNotExist()) {
      case TABLE_NOT_EXIST_OPTION_CREATE -> "CREATE TABLE " + target + " AS";
      case TABLE_NOT_EXIST_OPTION_FAIL -> throw CallStatus.NOT_FOUND.withDescription("no table " + target
          + " (the ingest's if-not-exists option is fail)").toRuntimeException();
      default -> throw CallStatus.INVALID_ARGUMENT.withDescription("no table " + target + " and the ingest's"
          + " if-not-exists option is unspecified: say create or fail").toRuntimeException();
    };
  }

  private static boolean exists(Connection connection, CommandStatementIngest command) throws SQLException {
    try (PreparedStatement p = connection.prepareStatement("SELECT count(*) FROM information_schema.tables"
        + " WHERE table_catalog = current_database() AND lower(table_schema) = lower(coalesce(?, current_schema()))"
        + " AND lower(table_name) = lower(?)")) {
      p.setString(1, command.hasSchema() ? command.getSchema() : null);
      p.setString(2, command.getTable());
      try (ResultSet rs = p.executeQuery()) {
        return rs.next() && rs.getLong(1) > 0;
      }
    }
  }

  static String quote(String identifier) {
    if (identifier.isEmpty()) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("bulk ingest needs a table name").toRuntimeException();
    }
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }
}
