package dev.kapu.daemon.internal;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TimeStampMicroTZVector;
import org.apache.arrow.vector.TimeStampMicroVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.FieldType;

/** Query parameters as the one-row Arrow batch ADBC binds. */
final class AdbcParameters {
  private AdbcParameters() {}

  static VectorSchemaRoot oneRow(List<?> parameters, BufferAllocator allocator) {
    List<FieldVector> vectors = new ArrayList<>();
    try {
      for (int i = 0; i < parameters.size(); i++) {
        vectors.add(vector("p" + (i + 1), parameters.get(i), i + 1, allocator));
      }
    } catch (RuntimeException e) {
      vectors.forEach(FieldVector::close);
      throw e;
    }
    VectorSchemaRoot root = new VectorSchemaRoot(vectors);
    root.setRowCount(1);
    return root;
  }

  private static FieldVector vector(String name, Object value, int position, BufferAllocator allocator) {
    if (value == null) {
      throw new IllegalArgumentException("parameter " + position + " is null: ADBC binds typed Arrow columns,"
          + " so write NULL (or CAST(NULL AS type)) in the SQL instead");
    }
    if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
      long v = ((Number) value).longValue();
      if (value instanceof Long) {
        BigIntVector out = new BigIntVector(name, allocator);
        out.allocateNew(1);
        out.set(0, v);
        return done(out);
      }
      if (value instanceof Integer) {
        IntVector out = new IntVector(name, allocator);
        out.allocateNew(1);
        out.set(0, (int) v);
        return done(out);
      }
      if (value instanceof Short) {
        SmallIntVector out = new SmallIntVector(name, allocator);
        out.allocateNew(1);
        out.set(0, (short) v);
        return done(out);
      }
      TinyIntVector out = new TinyIntVector(name, allocator);
      out.allocateNew(1);
      out.set(0, (byte) v);
      return done(out);
    }
    if (value instanceof Double) {
      Float8Vector out = new Float8Vector(name, allocator);
      out.allocateNew(1);
      out.set(0, (Double) value);
      return done(out);
    }
    if (value instanceof Float) {
      Float4Vector out = new Float4Vector(name, allocator);
      out.allocateNew(1);
      out.set(0, (Float) value);
      return done(out);
    }
    if (value instanceof Boolean) {
      BitVector out = new BitVector(name, allocator);
      out.allocateNew(1);
      out.set(0, (Boolean) value ? 1 : 0);
      return done(out);
    }
    if (value instanceof CharSequence) {
      VarCharVector out = new VarCharVector(name, allocator);
      out.allocateNew(1);
      out.setSafe(0, value.toString().getBytes(StandardCharsets.UTF_8));
      return done(out);
    }
    if (value instanceof byte[]) {
      VarBinaryVector out = new VarBinaryVector(name, allocator);
      out.allocateNew(1);
      out.setSafe(0, (byte[]) value);
      return done(out);
    }
    if (value instanceof BigDecimal) {
      BigDecimal v = ((BigDecimal) value).setScale(Math.max(((BigDecimal) value).scale(), 0));
      int scale = v.scale();
      int precision = Math.max(v.precision(), scale + 1);
      if (precision > 38) {
        throw new IllegalArgumentException("parameter " + position + " (" + v + ") has more than 38 digits");
      }
      DecimalVector out = new DecimalVector(name, allocator, precision, scale);
      out.allocateNew(1);
      out.set(0, v);
      return done(out);
    }
    if (value instanceof java.sql.Timestamp) {
      return localTimestamp(name, ((java.sql.Timestamp) value).toLocalDateTime(), allocator);
    }
    if (value instanceof java.sql.Date) {
      return date(name, ((java.sql.Date) value).toLocalDate(), allocator);
    }
    if (value instanceof LocalDate) {
      return date(name, (LocalDate) value, allocator);
    }
    if (value instanceof LocalDateTime) {
      return localTimestamp(name, (LocalDateTime) value, allocator);
    }
    Instant instant = value instanceof Instant ? (Instant) value
        : value instanceof OffsetDateTime ? ((OffsetDateTime) value).toInstant()
        : value instanceof ZonedDateTime ? ((ZonedDateTime) value).toInstant() : null;
    if (instant != null) {
      TimeStampMicroTZVector out = new TimeStampMicroTZVector(name,
          FieldType.nullable(new ArrowType.Timestamp(org.apache.arrow.vector.types.TimeUnit.MICROSECOND, "UTC")),
          allocator);
      out.allocateNew(1);
      out.set(0, ChronoUnit.MICROS.between(Instant.EPOCH, instant));
      return done(out);
    }
    throw new IllegalArgumentException("parameter " + position + " is a " + value.getClass().getName()
        + ", which ADBC cannot bind; use a number, boolean, String, byte[], BigDecimal or a java.time date");
  }

  private static FieldVector date(String name, LocalDate value, BufferAllocator allocator) {
    DateDayVector out = new DateDayVector(name, allocator);
    out.allocateNew(1);
    out.set(0, Math.toIntExact(value.toEpochDay()));
    return done(out);
  }

  private static FieldVector localTimestamp(String name, LocalDateTime value, BufferAllocator allocator) {
    TimeStampMicroVector out = new TimeStampMicroVector(name, allocator);
    out.allocateNew(1);
    out.set(0, ChronoUnit.MICROS.between(Instant.EPOCH, value.toInstant(ZoneOffset.UTC)));
    return done(out);
  }

  private static FieldVector done(FieldVector vector) {
    vector.setValueCount(1);
    return vector;
  }
}
