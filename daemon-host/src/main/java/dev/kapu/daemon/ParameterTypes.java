package dev.kapu.daemon;

import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;

/**
 * The Arrow type Kapu announces for a statement's parameter, chosen so that the Flight SQL JDBC
 * driver (18.3) binds what the SQL means. That driver fills the announced type whatever the
 * caller's {@code setX} (its binder for each Arrow type takes some Java types and refuses the
 * rest), and it writes dates as days, times as milliseconds of the day and timestamps as
 * milliseconds, whatever unit is announced; so:
 *
 * <ul>
 *   <li>dates are {@code Date(DAY)}, times {@code Time(MILLISECOND)}, timestamps {@code
 *       Timestamp(MILLISECOND)}, with the zone {@code UTC} for {@code TIMESTAMP WITH TIME ZONE};
 *   <li>a decimal whose every value a double holds exactly (precision up to 15) is a double, which
 *       binds any number ({@code setInt}, {@code setBigDecimal} of any scale); a wider one is that
 *       decimal, exact, which binds a {@code BigDecimal} of its scale;
 *   <li>a parameter the database could not type ({@link #unknown}) gets the type its statement
 *       accepts ({@link #CANDIDATES}).
 * </ul>
 */
final class ParameterTypes {
  private ParameterTypes() {}

  /** Decimals up to this precision round-trip through a double (15 significant digits). */
  private static final int EXACT_IN_A_DOUBLE = 15;

  /** What a database reports for a parameter it could not type (DuckDB: OTHER, "INVALID"). */
  private static final Set<String> UNTYPED_NAMES = Set.of("", "INVALID", "UNKNOWN", "NULL", "ANY");

  /** A type to try for a parameter the database could not type, with a value to try it with. */
  record Candidate(ArrowType type, Object value) {}

  /**
   * What an untyped parameter is tried as, in order: the first its statement accepts is
   * announced, unless it accepts every one (a {@code SELECT ?}, a {@code ? || 'x'}: any value
   * goes, and text is announced). Text is not tried: DuckDB casts a text value to whatever its
   * context needs. A double comes first, so that arithmetic ({@code ? * 2}) takes any number
   * without truncating it; a bigint where only integers go ({@code range(?)}).
   */
  static final List<Candidate> CANDIDATES = List.of(
      new Candidate(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE), 1.0d),
      new Candidate(new ArrowType.Int(64, true), 1L),
      new Candidate(new ArrowType.Timestamp(TimeUnit.MILLISECOND, null), LocalDateTime.of(1970, 1, 1, 0, 0)),
      new Candidate(new ArrowType.Date(DateUnit.DAY), LocalDate.of(1970, 1, 1)),
      new Candidate(ArrowType.Bool.INSTANCE, Boolean.TRUE));

  /** The type announced for a parameter that accepts values of any type, or of none tried. */
  static final ArrowType ANY = ArrowType.Utf8.INSTANCE;

  /** Whether the database could not type the parameter (it gets one from {@link #CANDIDATES}). */
  static boolean unknown(int jdbcType, String typeName) {
    String name = typeName == null ? "" : typeName.toUpperCase(Locale.ROOT);
    return jdbcType == Types.NULL
        || ((jdbcType == Types.OTHER || jdbcType == Types.JAVA_OBJECT) && UNTYPED_NAMES.contains(name));
  }

  /**
   * The type to announce for a parameter the database typed as {@code jdbcType} ({@code
   * typeName}, {@code precision}, {@code scale} as its {@code ParameterMetaData} says).
   */
  static ArrowType announced(int jdbcType, String typeName, int precision, int scale) {
    return switch (jdbcType) {
      case Types.BOOLEAN, Types.BIT -> ArrowType.Bool.INSTANCE;
      case Types.TINYINT -> new ArrowType.Int(8, true);
      case Types.SMALLINT -> new ArrowType.Int(16, true);
      case Types.INTEGER -> new ArrowType.Int(32, true);
      case Types.BIGINT -> new ArrowType.Int(64, true);
      case Types.REAL -> new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
      case Types.FLOAT, Types.DOUBLE -> new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
      case Types.NUMERIC, Types.DECIMAL -> precision > EXACT_IN_A_DOUBLE && precision <= 38 && scale >= 0 && scale <= precision
          ? new ArrowType.Decimal(precision, scale, 128)
          : new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
      case Types.DATE -> new ArrowType.Date(DateUnit.DAY);
      case Types.TIME, Types.TIME_WITH_TIMEZONE -> new ArrowType.Time(TimeUnit.MILLISECOND, 32);
      case Types.TIMESTAMP -> zoned(typeName)
          ? new ArrowType.Timestamp(TimeUnit.MILLISECOND, "UTC")
          : new ArrowType.Timestamp(TimeUnit.MILLISECOND, null);
      case Types.TIMESTAMP_WITH_TIMEZONE -> new ArrowType.Timestamp(TimeUnit.MILLISECOND, "UTC");
      case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY, Types.BLOB -> ArrowType.Binary.INSTANCE;
      default -> ANY; // text, and what text casts to (an ENUM, JSON, a UUID, an interval)
    };
  }

  /** PostgreSQL's driver reports {@code timestamptz} as TIMESTAMP; its name tells. */
  private static boolean zoned(String typeName) {
    String name = typeName == null ? "" : typeName.toLowerCase(Locale.ROOT);
    return name.equals("timestamptz") || name.contains("with time zone");
  }
}
