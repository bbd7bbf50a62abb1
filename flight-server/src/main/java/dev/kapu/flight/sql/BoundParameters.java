package dev.kapu.flight.sql;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float2Vector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.UInt1Vector;
import org.apache.arrow.vector.UInt2Vector;
import org.apache.arrow.vector.UInt4Vector;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.Text;

/**
 * Parameter values a client bound by {@code DoPut}, as the Java values a JDBC driver binds with
 * {@code setObject}, typed as the client bound them (not as the server announced them: clients
 * such as ADBC send their own types): dates as {@link LocalDate}, times as {@link LocalTime},
 * timestamps as {@link LocalDateTime} or, with a time zone, {@link OffsetDateTime} at UTC,
 * decimals as {@link BigDecimal}, binary as {@code byte[]}, unsigned integers without overflow,
 * nulls as null. Every value is one Kapu's tasks carry.
 *
 * @param types the schema of the bound batches
 * @param rows one list of values per bound row
 */
public record BoundParameters(Schema types, List<List<Object>> rows) {
  /** Nothing bound. */
  public static final BoundParameters NONE = new BoundParameters(new Schema(List.of()), List.of());

  /** Reads every batch of {@code stream}. */
  public static BoundParameters read(FlightStream stream) {
    List<List<Object>> rows = new ArrayList<>();
    Schema types = null;
    while (stream.next()) {
      VectorSchemaRoot root = stream.getRoot();
      types = root.getSchema();
      rows.addAll(values(root));
    }
    return types == null ? NONE : new BoundParameters(types, rows);
  }

  /** The first row; empty if none was bound. */
  public List<Object> first() {
    return rows.isEmpty() ? List.of() : rows.get(0);
  }

  /** Whether the values were bound as other types than {@code announced}. */
  public boolean typedOtherThan(Schema announced) {
    List<Field> bound = types.getFields();
    List<Field> expected = announced.getFields();
    if (bound.size() != expected.size()) {
      return true;
    }
    for (int i = 0; i < bound.size(); i++) {
      if (!bound.get(i).getType().equals(expected.get(i).getType())) {
        return true;
      }
    }
    return false;
  }

  /** The rows of one batch. */
  static List<List<Object>> values(VectorSchemaRoot root) {
    List<List<Object>> rows = new ArrayList<>();
    for (int r = 0; r < root.getRowCount(); r++) {
      List<Object> row = new ArrayList<>(); // nulls allowed
      for (int c = 0; c < root.getFieldVectors().size(); c++) {
        row.add(value(root.getVector(c), r, c + 1));
      }
      rows.add(row);
    }
    return rows;
  }

  /** The value at {@code row}; {@code position} (from 1) names the parameter in a refusal. */
  static Object value(FieldVector vector, int row, int position) {
    if (vector.isNull(row)) {
      return null;
    }
    ArrowType type = vector.getField().getType();
    Object raw = vector.getObject(row);
    return switch (type.getTypeID()) {
      case Null -> null;
      case Bool, Decimal -> raw;
      case FloatingPoint -> raw instanceof Short ? (float) ((Float2Vector) vector).getValueAsDouble(row) : raw;
      case Int -> ((ArrowType.Int) type).getIsSigned() ? raw : unsigned(vector, row);
      case Utf8, LargeUtf8, Utf8View -> raw instanceof Text t ? t.toString() : raw.toString();
      case Binary, LargeBinary, FixedSizeBinary, BinaryView -> raw;
      case Date -> ((ArrowType.Date) type).getUnit() == org.apache.arrow.vector.types.DateUnit.DAY
          ? LocalDate.ofEpochDay(((Number) raw).longValue())
          : ((LocalDateTime) raw).toLocalDate();
      case Time -> LocalTime.ofNanoOfDay(nanos(time((ArrowType.Time) type, vector, row), ((ArrowType.Time) type).getUnit()));
      case Timestamp -> timestamp((ArrowType.Timestamp) type, ((TimeStampVector) vector).get(row));
      default -> throw new IllegalArgumentException("parameter " + position + " ('" + vector.getField().getName()
          + "') was bound as " + type + ", which Kapu does not bind: send it as text, a number, a decimal,"
          + " binary, a date, a time or a timestamp");
    };
  }

  private static Object unsigned(FieldVector vector, int row) {
    if (vector instanceof UInt1Vector v) {
      return v.getObjectNoOverflow(row);
    }
    if (vector instanceof UInt2Vector v) {
      return (int) v.get(row);
    }
    if (vector instanceof UInt4Vector v) {
      return v.getObjectNoOverflow(row);
    }
    return new BigDecimal(((UInt8Vector) vector).getObjectNoOverflow(row));
  }

  /** A time's raw value: 32 bits for seconds and milliseconds, 64 for finer units. */
  private static long time(ArrowType.Time type, FieldVector vector, int row) {
    return type.getBitWidth() == 32
        ? vector.getDataBuffer().getInt((long) row * Integer.BYTES)
        : vector.getDataBuffer().getLong((long) row * Long.BYTES);
  }

  private static long nanos(long value, org.apache.arrow.vector.types.TimeUnit unit) {
    return switch (unit) {
      case SECOND -> value * 1_000_000_000L;
      case MILLISECOND -> value * 1_000_000L;
      case MICROSECOND -> value * 1_000L;
      case NANOSECOND -> value;
    };
  }

  /** Without a zone, the wall-clock time; with one, the instant (at UTC: databases take offsets, not zone rules). */
  private static Object timestamp(ArrowType.Timestamp type, long value) {
    Instant instant = switch (type.getUnit()) {
      case SECOND -> Instant.ofEpochSecond(value);
      case MILLISECOND -> Instant.ofEpochMilli(value);
      case MICROSECOND -> Instant.EPOCH.plus(value, ChronoUnit.MICROS);
      case NANOSECOND -> Instant.EPOCH.plusNanos(value);
    };
    if (type.getTimezone() == null || type.getTimezone().isEmpty()) {
      return LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }
}
