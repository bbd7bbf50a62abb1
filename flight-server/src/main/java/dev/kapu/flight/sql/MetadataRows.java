package dev.kapu.flight.sql;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.UInt1Vector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.impl.UnionListWriter;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Small metadata answers (catalogs, schemas, tables, keys, types) as one batch of a Flight SQL
 * schema: each row holds a value per column, in order, of the Java type its column takes (a
 * {@link String}, {@link Number}, {@link Boolean}, {@code byte[]} or {@code List<String>}); null
 * leaves the cell null.
 */
final class MetadataRows {
  private MetadataRows() {}

  /** Streams {@code rows} to {@code listener} as one batch of {@code schema}, and completes it. */
  static void send(Schema schema, List<List<Object>> rows, BufferAllocator allocator, ServerStreamListener listener) {
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator)) {
      fill(root, rows);
      listener.start(root);
      listener.putNext();
      listener.completed();
    }
  }

  /** Fills {@code root} with {@code rows}. */
  static void fill(VectorSchemaRoot root, List<List<Object>> rows) {
    root.allocateNew();
    List<FieldVector> vectors = root.getFieldVectors();
    for (int r = 0; r < rows.size(); r++) {
      List<Object> row = rows.get(r);
      if (row.size() != vectors.size()) {
        throw new IllegalArgumentException("a row of " + row.size() + " values for " + vectors.size() + " columns");
      }
      for (int c = 0; c < vectors.size(); c++) {
        if (row.get(c) != null) {
          set(vectors.get(c), r, row.get(c));
        }
      }
    }
    root.setRowCount(rows.size());
  }

  private static void set(FieldVector vector, int row, Object value) {
    if (vector instanceof VarCharVector v) {
      v.setSafe(row, value.toString().getBytes(StandardCharsets.UTF_8));
    } else if (vector instanceof VarBinaryVector v) {
      v.setSafe(row, (byte[]) value);
    } else if (vector instanceof IntVector v) {
      v.setSafe(row, ((Number) value).intValue());
    } else if (vector instanceof UInt1Vector v) {
      v.setSafe(row, ((Number) value).intValue());
    } else if (vector instanceof BitVector v) {
      v.setSafe(row, (Boolean) value ? 1 : 0);
    } else if (vector instanceof ListVector v) {
      UnionListWriter writer = v.getWriter();
      writer.setPosition(row);
      writer.startList();
      for (Object item : (List<?>) value) {
        writer.writeVarChar(item.toString());
      }
      writer.endList();
    } else {
      throw new IllegalArgumentException("no metadata column of type " + vector.getField());
    }
  }
}
