package dev.kapu.flight.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntervalDayVector;
import org.apache.arrow.vector.TimeMicroVector;
import org.apache.arrow.vector.TimeMilliVector;
import org.apache.arrow.vector.TimeStampMicroTZVector;
import org.apache.arrow.vector.TimeStampMilliVector;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.Text;
import org.junit.jupiter.api.Test;

/** Bound parameters become the Java values JDBC drivers bind, typed as the client sent them. */
class BoundParametersTest {

  @Test
  void eachArrowTypeBecomesWhatJdbcBinds() {
    Schema schema = new Schema(List.of(
        Field.nullable("date", new ArrowType.Date(DateUnit.DAY)),
        Field.nullable("time", new ArrowType.Time(TimeUnit.MILLISECOND, 32)),
        Field.nullable("micros", new ArrowType.Time(TimeUnit.MICROSECOND, 64)),
        Field.nullable("ts", new ArrowType.Timestamp(TimeUnit.MILLISECOND, null)),
        Field.nullable("tz", new ArrowType.Timestamp(TimeUnit.MICROSECOND, "Asia/Tokyo")),
        Field.nullable("n", new ArrowType.Decimal(18, 3, 128)),
        Field.nullable("d", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)),
        Field.nullable("b", ArrowType.Binary.INSTANCE),
        Field.nullable("s", ArrowType.Utf8.INSTANCE),
        Field.nullable("u", new ArrowType.Int(64, false))));
    try (BufferAllocator allocator = new RootAllocator();
        VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator)) {
      root.allocateNew();
      ((DateDayVector) root.getVector("date")).setSafe(0, (int) LocalDate.parse("2024-05-01").toEpochDay());
      ((TimeMilliVector) root.getVector("time")).setSafe(0, (13 * 3600 + 45 * 60 + 7) * 1000 + 123);
      ((TimeMicroVector) root.getVector("micros")).setSafe(0, 1_500_001L);
      ((TimeStampMilliVector) root.getVector("ts")).setSafe(0, 1_714_560_300_123L); // 2024-05-01T10:45:00.123
      ((TimeStampMicroTZVector) root.getVector("tz")).setSafe(0, 1_714_557_600_000_000L); // 2024-05-01T10:00Z
      ((DecimalVector) root.getVector("n")).setSafe(0, new BigDecimal("123456789012345.678"));
      ((Float8Vector) root.getVector("d")).setSafe(0, 1.25);
      ((VarBinaryVector) root.getVector("b")).setSafe(0, new byte[] {1, 2});
      ((VarCharVector) root.getVector("s")).setSafe(0, new Text("text"));
      ((UInt8Vector) root.getVector("u")).setSafe(0, -1L); // 2^64 - 1
      root.getFieldVectors().forEach(v -> v.setNull(1));
      root.setRowCount(2);

      List<List<Object>> rows = BoundParameters.values(root);
      assertThat(rows.get(0)).containsExactly(LocalDate.parse("2024-05-01"), LocalTime.parse("13:45:07.123"),
          LocalTime.parse("00:00:01.500001"), LocalDateTime.parse("2024-05-01T10:45:00.123"),
          OffsetDateTime.parse("2024-05-01T10:00Z"), new BigDecimal("123456789012345.678"), 1.25,
          new byte[] {1, 2}, "text", new BigDecimal("18446744073709551615"));
      assertThat(rows.get(1)).hasSize(10).containsOnlyNulls();
    }
  }

  @Test
  void typesSentOtherThanAnnouncedAreTold() {
    Schema announced = new Schema(List.of(Field.nullable("p1", ArrowType.Utf8.INSTANCE)));
    Schema ints = new Schema(List.of(Field.nullable("x", new ArrowType.Int(32, true))));
    assertThat(new BoundParameters(announced, List.of()).typedOtherThan(announced)).isFalse();
    assertThat(new BoundParameters(ints, List.of()).typedOtherThan(announced)).isTrue();
  }

  @Test
  void anUnbindableTypeIsTheClientsMistake() {
    Schema schema = new Schema(List.of(Field.nullable("i", new ArrowType.Interval(
        org.apache.arrow.vector.types.IntervalUnit.DAY_TIME))));
    try (BufferAllocator allocator = new RootAllocator();
        VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator)) {
      ((IntervalDayVector) root.getVector(0)).setSafe(0, 1, 0);
      root.setRowCount(1);
      assertThatThrownBy(() -> BoundParameters.values(root)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("parameter 1 ('i') was bound as Interval(DAY_TIME)");
    }
  }
}
