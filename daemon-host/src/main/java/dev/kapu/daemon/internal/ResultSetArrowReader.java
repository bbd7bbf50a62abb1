package dev.kapu.daemon.internal;

import dev.kapu.flight.Batches;
import java.io.IOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Calendar;
import java.util.TimeZone;
import java.util.function.Function;
import org.apache.arrow.adapter.jdbc.ArrowVectorIterator;
import org.apache.arrow.adapter.jdbc.JdbcFieldInfo;
import org.apache.arrow.adapter.jdbc.JdbcToArrow;
import org.apache.arrow.adapter.jdbc.JdbcToArrowConfig;
import org.apache.arrow.adapter.jdbc.JdbcToArrowConfigBuilder;
import org.apache.arrow.adapter.jdbc.JdbcToArrowUtils;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A JDBC {@link ResultSet} read as Arrow batches by arrow-jdbc, a batch at a time: the rows go from
 * the driver straight into column vectors, never into row objects.
 *
 * <p>arrow-jdbc fills a fresh, pre-sized root per batch (its consumers write without growing the
 * vectors, so a reused root must keep its capacity); each one is moved into this reader's root by
 * transferring buffers (no copy) and then closed. Columns arrow-jdbc has no Arrow type for (JSON,
 * UUID, intervals, arrays, NUMERIC without a precision) arrive as UTF-8 text, through the driver's
 * {@code getString}. Timestamps are read in UTC.
 *
 * <p>Closing the reader closes its batches, not the result set: whoever made this reader owns that.
 */
public final class ResultSetArrowReader extends ArrowReader {
  private final ArrowVectorIterator batches;
  private final Schema schema;
  private long bytes;

  private ResultSetArrowReader(BufferAllocator allocator, ArrowVectorIterator batches, Schema schema) {
    super(allocator);
    this.batches = batches;
    this.schema = schema;
  }

  /** @param batchRows rows per batch at most */
  public static ResultSetArrowReader of(ResultSet resultSet, BufferAllocator allocator, int batchRows)
      throws SQLException, IOException {
    JdbcToArrowConfig config = config(allocator, batchRows);
    Schema schema = JdbcToArrowUtils.jdbcToArrowSchema(resultSet.getMetaData(), config);
    ArrowVectorIterator batches = JdbcToArrow.sqlToArrowVectorIterator(resultSet, config);
    return new ResultSetArrowReader(allocator, batches, schema);
  }

  /** The schema a reader over a result set with this metadata streams. */
  public static Schema schemaOf(java.sql.ResultSetMetaData meta, BufferAllocator allocator) throws SQLException {
    return JdbcToArrowUtils.jdbcToArrowSchema(meta, config(allocator, 1));
  }

  /**
   * The Arrow type a query streams a column of {@code column}'s JDBC type as (a table's column as
   * {@code DatabaseMetaData.getColumns} describes it, say).
   */
  public static ArrowType arrowType(JdbcFieldInfo column) {
    return typesOrText(Calendar.getInstance(TimeZone.getTimeZone("UTC"))).apply(column);
  }

  static JdbcToArrowConfig config(BufferAllocator allocator, int batchRows) {
    Calendar utc = Calendar.getInstance(TimeZone.getTimeZone("UTC"));
    return new JdbcToArrowConfigBuilder(allocator, utc)
        .setTargetBatchSize(batchRows)
        .setReuseVectorSchemaRoot(false)
        .setJdbcToArrowTypeConverter(typesOrText(utc))
        .build();
  }

  /** arrow-jdbc's own mapping, with text for what it cannot map. */
  private static Function<JdbcFieldInfo, ArrowType> typesOrText(Calendar calendar) {
    return field -> {
      switch (field.getJdbcType()) {
        case Types.NUMERIC:
        case Types.DECIMAL:
          // PostgreSQL's unconstrained NUMERIC reports precision 0: no Arrow decimal holds it.
          if (field.getPrecision() <= 0 || field.getPrecision() > 38) {
            return ArrowType.Utf8.INSTANCE;
          }
          break;
        case Types.ARRAY:
        case Types.OTHER:
        case Types.JAVA_OBJECT:
        case Types.SQLXML:
        case Types.STRUCT:
        case Types.DISTINCT:
        case Types.ROWID:
          return ArrowType.Utf8.INSTANCE;
        default:
          break;
      }
      try {
        return JdbcToArrowUtils.getArrowTypeFromJdbcType(field, calendar);
      } catch (UnsupportedOperationException e) {
        return ArrowType.Utf8.INSTANCE;
      }
    };
  }

  @Override
  public boolean loadNextBatch() throws IOException {
    prepareLoadNextBatch();
    VectorSchemaRoot root = getVectorSchemaRoot();
    try {
      while (batches.hasNext()) {
        try (VectorSchemaRoot batch = batches.next()) {
          if (batch.getRowCount() == 0) {
            continue; // arrow-jdbc ends with an empty batch when the rows divide evenly
          }
          for (int i = 0; i < batch.getFieldVectors().size(); i++) {
            batch.getVector(i).makeTransferPair(root.getVector(i)).transfer();
          }
          root.setRowCount(batch.getRowCount());
          bytes += Batches.bytes(root);
          return true;
        }
      }
    } catch (RuntimeException e) {
      throw new IOException("reading the JDBC result failed: " + JdbcPools.causes(e), e);
    }
    root.setRowCount(0);
    return false;
  }

  @Override
  public long bytesRead() {
    return bytes;
  }

  @Override
  protected void closeReadSource() {
    batches.close();
  }

  @Override
  protected Schema readSchema() {
    return schema;
  }
}
