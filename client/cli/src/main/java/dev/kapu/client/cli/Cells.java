package dev.kapu.client.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DateMilliVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.TimeMicroVector;
import org.apache.arrow.vector.TimeMilliVector;
import org.apache.arrow.vector.TimeNanoVector;
import org.apache.arrow.vector.TimeSecVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.UInt4Vector;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.BaseListVector;
import org.apache.arrow.vector.complex.NonNullableStructVector;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.util.Text;

/**
 * The values of an Arrow column as {@code kapu query} writes them: as text (table and CSV) and as
 * JSON (numbers as numbers, booleans as booleans, null as null, lists and structs nested; in text,
 * a list or struct is its JSON). Unsigned integers are their values, not Java's signed view. Arrow
 * Java hands dates, times and zoned timestamps out as bare numbers; they become SQL-style text
 * here ({@code 2024-05-01}, {@code 13:45:00}, {@code 2024-05-01 13:45:00}, with the offset when
 * the column has a time zone). Binary values are hex ({@code \x0a1b}) in text, base64 in JSON. A
 * dictionary-encoded column (a DuckDB ENUM) shows its values, not their indices.
 */
final class Cells {
  private static final DateTimeFormatter LOCAL = new DateTimeFormatterBuilder()
      .append(DateTimeFormatter.ISO_LOCAL_DATE).appendLiteral(' ').append(DateTimeFormatter.ISO_LOCAL_TIME)
      .toFormatter();
  private static final JsonFactory JSON = new JsonFactory();
  private static final DateTimeFormatter ZONED = new DateTimeFormatterBuilder()
      .append(LOCAL).appendOffsetId().toFormatter();

  private Cells() {}

  /**
   * A reader of each column's values in {@code root}'s current batch: an encoded column's are
   * looked up in its dictionary in {@code dictionaries} (call this for every batch, as a reader's
   * dictionaries may change with its batches).
   */
  static List<IntFunction<Object>> columns(VectorSchemaRoot root, DictionaryProvider dictionaries) {
    List<IntFunction<Object>> columns = new ArrayList<>();
    for (FieldVector vector : root.getFieldVectors()) {
      DictionaryEncoding encoding = vector.getField().getDictionary();
      if (encoding == null) {
        columns.add(row -> value(vector, row));
      } else {
        BaseIntVector indices = (BaseIntVector) vector;
        FieldVector values = dictionaries.lookup(encoding.getId()).getVector();
        columns.add(row -> indices.isNull(row) ? null : value(values, (int) indices.getValueAsLong(row)));
      }
    }
    return columns;
  }

  /** The value at {@code row}: null, a number, Boolean, String, byte[], java.time value, List or Map. */
  private static Object value(FieldVector vector, int row) {
    if (vector.isNull(row)) {
      return null;
    }
    ArrowType type = vector.getField().getType();
    switch (type.getTypeID()) {
      case Date:
        return vector instanceof DateDayVector days
            ? LocalDate.ofEpochDay(days.get(row))
            : ((DateMilliVector) vector).getObject(row).toLocalDate();
      case Time:
        return LocalTime.ofNanoOfDay(timeNanos(vector, row));
      case Timestamp: {
        ArrowType.Timestamp timestamp = (ArrowType.Timestamp) type;
        Instant instant = instant(((TimeStampVector) vector).get(row), timestamp.getUnit());
        return timestamp.getTimezone() == null
            ? LocalDateTime.ofInstant(instant, ZoneOffset.UTC)
            : OffsetDateTime.ofInstant(instant, ZoneId.of(timestamp.getTimezone()));
      }
      case Int:
        return ((ArrowType.Int) type).getIsSigned() ? vector.getObject(row) : unsigned(vector, row);
      case List, FixedSizeList, Map, Struct:
        return nested(vector, row);
      default:
        Object value = vector.getObject(row);
        return value instanceof Text text ? text.toString() : value;
    }
  }

  /** Arrow Java's getObject reads unsigned integers as Java's signed types (and a UINT16 as a char). */
  private static Object unsigned(FieldVector vector, int row) {
    if (vector instanceof UInt8Vector v) {
      return v.getObjectNoOverflow(row);
    } else if (vector instanceof UInt4Vector v) {
      return v.getObjectNoOverflow(row);
    }
    return ((BaseIntVector) vector).getValueAsLong(row); // one or two bytes: read unsigned here
  }

  /**
   * A list's items or a struct's fields, each read as {@link #value} reads a column (Arrow Java's
   * own getObject leaves nested dates and times as numbers).
   */
  private static Object nested(FieldVector vector, int row) {
    if (vector instanceof BaseListVector list) { // also a map: a list of key-value structs
      FieldVector items = vector.getChildrenFromFields().get(0);
      List<Object> values = new ArrayList<>();
      for (int i = list.getElementStartIndex(row); i < list.getElementEndIndex(row); i++) {
        values.add(value(items, i));
      }
      return values;
    } else if (vector instanceof NonNullableStructVector struct) {
      Map<String, Object> fields = new LinkedHashMap<>();
      for (FieldVector child : struct.getChildrenFromFields()) {
        fields.put(child.getName(), value(child, row));
      }
      return fields;
    }
    return vector.getObject(row);
  }

  private static long timeNanos(FieldVector vector, int row) {
    if (vector instanceof TimeSecVector v) {
      return TimeUnit.SECONDS.toNanos(v.get(row));
    } else if (vector instanceof TimeMilliVector v) {
      return TimeUnit.MILLISECONDS.toNanos(v.get(row));
    } else if (vector instanceof TimeMicroVector v) {
      return TimeUnit.MICROSECONDS.toNanos(v.get(row));
    }
    return ((TimeNanoVector) vector).get(row);
  }

  private static Instant instant(long value, org.apache.arrow.vector.types.TimeUnit unit) {
    return switch (unit) {
      case SECOND -> Instant.ofEpochSecond(value);
      case MILLISECOND -> Instant.ofEpochMilli(value);
      case MICROSECOND -> Instant.ofEpochSecond(Math.floorDiv(value, 1_000_000L), Math.floorMod(value, 1_000_000L) * 1000);
      case NANOSECOND -> Instant.ofEpochSecond(Math.floorDiv(value, 1_000_000_000L), Math.floorMod(value, 1_000_000_000L));
    };
  }

  /** {@code value} as text; null becomes {@code nullText}. */
  static String text(Object value, String nullText) {
    if (value == null) {
      return nullText;
    } else if (value instanceof BigDecimal decimal) {
      return decimal.toPlainString();
    } else if (value instanceof byte[] bytes) {
      return "\\x" + HexFormat.of().formatHex(bytes);
    } else if (value instanceof LocalDateTime local) {
      return LOCAL.format(local);
    } else if (value instanceof OffsetDateTime zoned) {
      return ZONED.format(zoned);
    } else if (value instanceof LocalTime time) {
      return DateTimeFormatter.ISO_LOCAL_TIME.format(time);
    } else if (value instanceof List<?> || value instanceof Map<?, ?>) {
      StringWriter text = new StringWriter();
      try (JsonGenerator json = JSON.createGenerator(text)) {
        json(json, value);
      } catch (IOException e) {
        throw new UncheckedIOException(e); // a StringWriter does not fail
      }
      return text.toString();
    }
    return value.toString();
  }

  /** Writes {@code value} as one JSON value. */
  static void json(JsonGenerator json, Object value) throws IOException {
    if (value == null) {
      json.writeNull();
    } else if (value instanceof Boolean b) {
      json.writeBoolean(b);
    } else if (value instanceof Float f) {
      json.writeNumber(f); // as the float it is, not the double nearest it (1.1, not 1.100000023841858)
    } else if (value instanceof Double d) {
      json.writeNumber(d);
    } else if (value instanceof BigDecimal decimal) {
      json.writeNumber(decimal);
    } else if (value instanceof BigInteger integer) {
      json.writeNumber(integer);
    } else if (value instanceof Number number) {
      json.writeNumber(number.longValue());
    } else if (value instanceof byte[] bytes) {
      json.writeBinary(bytes);
    } else if (value instanceof List<?> list) {
      json.writeStartArray();
      for (Object item : list) {
        json(json, item);
      }
      json.writeEndArray();
    } else if (value instanceof Map<?, ?> map) {
      json.writeStartObject();
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        json.writeFieldName(String.valueOf(entry.getKey()));
        json(json, entry.getValue());
      }
      json.writeEndObject();
    } else if (value instanceof TemporalAccessor) {
      json.writeString(text(value, null));
    } else {
      json.writeString(value.toString());
    }
  }
}
