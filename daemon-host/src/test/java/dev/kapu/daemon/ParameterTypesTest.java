package dev.kapu.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Types;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.junit.jupiter.api.Test;

/** The types announced for parameters, as the Flight SQL JDBC driver's binders need them. */
class ParameterTypesTest {
  private static final ArrowType DOUBLE = new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);

  @Test
  void datesTimesAndTimestampsInTheUnitsTheDriverWrites() {
    assertThat(ParameterTypes.announced(Types.DATE, "DATE", 0, 0)).isEqualTo(new ArrowType.Date(DateUnit.DAY));
    assertThat(ParameterTypes.announced(Types.TIME, "TIME", 0, 0)).isEqualTo(new ArrowType.Time(TimeUnit.MILLISECOND, 32));
    assertThat(ParameterTypes.announced(Types.TIMESTAMP, "TIMESTAMP", 0, 0))
        .isEqualTo(new ArrowType.Timestamp(TimeUnit.MILLISECOND, null));
    assertThat(ParameterTypes.announced(Types.TIMESTAMP_WITH_TIMEZONE, "TIMESTAMP WITH TIME ZONE", 0, 0))
        .isEqualTo(new ArrowType.Timestamp(TimeUnit.MILLISECOND, "UTC"));
    // PostgreSQL's driver calls a timestamptz a TIMESTAMP
    assertThat(ParameterTypes.announced(Types.TIMESTAMP, "timestamptz", 0, 0))
        .isEqualTo(new ArrowType.Timestamp(TimeUnit.MILLISECOND, "UTC"));
  }

  @Test
  void decimalsAreExactInADoubleOrExactlyThemselves() {
    assertThat(ParameterTypes.announced(Types.DECIMAL, "DECIMAL(10,2)", 10, 2)).isEqualTo(DOUBLE);
    assertThat(ParameterTypes.announced(Types.DECIMAL, "DECIMAL(15,3)", 15, 3)).isEqualTo(DOUBLE);
    assertThat(ParameterTypes.announced(Types.DECIMAL, "DECIMAL(18,3)", 18, 3)).isEqualTo(new ArrowType.Decimal(18, 3, 128));
    assertThat(ParameterTypes.announced(Types.NUMERIC, "numeric", 0, 0)).as("precision unknown").isEqualTo(DOUBLE);
  }

  @Test
  void binaryTextAndTheRest() {
    assertThat(ParameterTypes.announced(Types.BLOB, "BLOB", 0, 0)).isEqualTo(ArrowType.Binary.INSTANCE);
    assertThat(ParameterTypes.announced(Types.BINARY, "bytea", 0, 0)).isEqualTo(ArrowType.Binary.INSTANCE);
    assertThat(ParameterTypes.announced(Types.INTEGER, "INTEGER", 0, 0)).isEqualTo(new ArrowType.Int(32, true));
    assertThat(ParameterTypes.announced(Types.VARCHAR, "VARCHAR", 0, 0)).isEqualTo(ArrowType.Utf8.INSTANCE);
    assertThat(ParameterTypes.announced(Types.OTHER, "ENUM", 0, 0)).isEqualTo(ArrowType.Utf8.INSTANCE);
  }

  @Test
  void untypedParametersAreThoseTheDatabaseNamesNothing() {
    assertThat(ParameterTypes.unknown(Types.OTHER, "INVALID")).isTrue(); // DuckDB's SELECT ? * 2
    assertThat(ParameterTypes.unknown(Types.NULL, null)).isTrue();
    assertThat(ParameterTypes.unknown(Types.OTHER, "ENUM")).isFalse();
    assertThat(ParameterTypes.unknown(Types.INTEGER, "INTEGER")).isFalse();
    assertThat(ParameterTypes.CANDIDATES.get(0).type()).as("arithmetic takes any number untruncated").isEqualTo(DOUBLE);
  }
}
