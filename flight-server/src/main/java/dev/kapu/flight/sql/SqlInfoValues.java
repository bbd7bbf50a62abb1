package dev.kapu.flight.sql;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.sql.FlightSqlProducer.Schemas;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.UInt4Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.DenseUnionVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.complex.impl.UnionListWriter;
import org.apache.arrow.vector.complex.impl.UnionMapWriter;

/**
 * Writes GetSqlInfo answers into a root of {@code GET_SQL_INFO_SCHEMA}: one row per info code, its
 * value in the dense union's member for its Java type. Arrow's own {@code SqlInfoBuilder} knows a
 * fixed set of codes (not the result-set concurrencies), fails on a code it was not given, and
 * answers the same for every caller; Kapu's answers depend on the session's catalog and user.
 */
public final class SqlInfoValues {
  private static final byte STRING = 0;
  private static final byte BOOLEAN = 1;
  private static final byte BIGINT = 2;
  private static final byte BITMASK = 3;
  private static final byte STRING_LIST = 4;
  private static final byte INT_LIST_MAP = 5;

  private SqlInfoValues() {}

  /**
   * Fills {@code root} (of {@code GET_SQL_INFO_SCHEMA}, allocated) with the values of {@code codes}
   * that {@code values} holds, in that order; codes it does not hold are left out.
   *
   * @param values by info code: a {@link String}, {@link Boolean}, {@link Long}, {@link Integer}
   *     (a bitmask), a {@code List<String>} or a {@code Map<Integer, List<Integer>>}
   */
  public static void write(Map<Integer, Object> values, List<Integer> codes, VectorSchemaRoot root) {
    if (!root.getSchema().equals(Schemas.GET_SQL_INFO_SCHEMA)) {
      throw new IllegalArgumentException("not a GetSqlInfo root: " + root.getSchema());
    }
    UInt4Vector names = (UInt4Vector) root.getVector(0);
    DenseUnionVector union = (DenseUnionVector) root.getVector(1);
    int[] counts = new int[INT_LIST_MAP + 1];
    int row = 0;
    for (int code : codes) {
      Object value = values.get(code);
      if (value == null) {
        continue;
      }
      byte type = typeOf(code, value);
      names.setSafe(row, code);
      union.setTypeId(row, type);
      int offset = counts[type]++;
      writeMember(union, type, offset, value);
      union.setValueCount(row + 1); // grows the offset buffer and sets the members' counts
      union.getOffsetBuffer().setInt((long) row * DenseUnionVector.OFFSET_WIDTH, offset);
      row++;
    }
    root.setRowCount(row);
  }

  private static byte typeOf(int code, Object value) {
    if (value instanceof String) {
      return STRING;
    } else if (value instanceof Boolean) {
      return BOOLEAN;
    } else if (value instanceof Long) {
      return BIGINT;
    } else if (value instanceof Integer) {
      return BITMASK;
    } else if (value instanceof List<?>) {
      return STRING_LIST;
    } else if (value instanceof Map<?, ?>) {
      return INT_LIST_MAP;
    }
    throw new IllegalArgumentException("SqlInfo " + code + ": no Flight SQL type for a " + value.getClass().getName());
  }

  @SuppressWarnings("unchecked")
  private static void writeMember(DenseUnionVector union, byte type, int offset, Object value) {
    switch (type) {
      case STRING -> ((VarCharVector) union.getVectorByType(type))
          .setSafe(offset, ((String) value).getBytes(StandardCharsets.UTF_8));
      case BOOLEAN -> ((BitVector) union.getVectorByType(type)).setSafe(offset, (Boolean) value ? 1 : 0);
      case BIGINT -> ((BigIntVector) union.getVectorByType(type)).setSafe(offset, (Long) value);
      case BITMASK -> ((IntVector) union.getVectorByType(type)).setSafe(offset, (Integer) value);
      case STRING_LIST -> writeStrings((ListVector) union.getVectorByType(type), offset, (List<String>) value);
      default -> writeMap((MapVector) union.getVectorByType(type), offset, (Map<Integer, List<Integer>>) value);
    }
  }

  private static void writeStrings(ListVector list, int offset, List<String> strings) {
    UnionListWriter writer = list.getWriter();
    writer.setPosition(offset);
    writer.startList();
    for (String s : strings) {
      writer.writeVarChar(s);
    }
    writer.endList();
    writer.setValueCount(offset + 1);
  }

  private static void writeMap(MapVector map, int offset, Map<Integer, List<Integer>> entries) {
    UnionMapWriter writer = map.getWriter();
    writer.setPosition(offset);
    writer.startMap();
    entries.forEach((key, targets) -> {
      writer.startEntry();
      writer.key().integer().writeInt(key);
      var values = writer.value().list();
      values.startList();
      for (int target : targets) {
        values.integer().writeInt(target);
      }
      values.endList();
      writer.endEntry();
    });
    writer.endMap();
    writer.setValueCount(offset + 1);
  }
}
