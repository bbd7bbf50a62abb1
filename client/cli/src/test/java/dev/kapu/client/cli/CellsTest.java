package dev.kapu.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DateMilliVector;
import org.apache.arrow.vector.Decimal256Vector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.IntervalDayVector;
import org.apache.arrow.vector.IntervalMonthDayNanoVector;
import org.apache.arrow.vector.IntervalYearVector;
import org.apache.arrow.vector.LargeVarCharVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TimeMicroVector;
import org.apache.arrow.vector.TimeMilliVector;
import org.apache.arrow.vector.TimeNanoVector;
import org.apache.arrow.vector.TimeSecVector;
import org.apache.arrow.vector.TimeStampMicroTZVector;
import org.apache.arrow.vector.TimeStampMicroVector;
import org.apache.arrow.vector.TimeStampMilliTZVector;
import org.apache.arrow.vector.TimeStampNanoTZVector;
import org.apache.arrow.vector.TimeStampSecVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.UInt1Vector;
import org.apache.arrow.vector.UInt2Vector;
import org.apache.arrow.vector.UInt4Vector;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ViewVarCharVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.complex.impl.UnionMapWriter;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryEncoder;
import org.apache.arrow.vector.dictionary.DictionaryProvider.MapDictionaryProvider;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.Types.MinorType;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How each Arrow type shows in {@code kapu query}'s output: as text (table and CSV) and as JSON.
 * Every vector is real and freed; closing the allocator fails the test on a leak.
 */
class CellsTest {
  private final BufferAllocator allocator = new RootAllocator();

  @AfterEach
  void noLeaks() {
    allocator.close(); // throws IllegalStateException naming what is still allocated
  }

  @Test
  void signedIntegersAndNull() {
    TinyIntVector tiny = new TinyIntVector("t", allocator);
    tiny.allocateNew(3);
    tiny.set(0, -128);
    tiny.set(1, 127);
    tiny.setNull(2);
    tiny.setValueCount(3);
    assertThat(shown(tiny)).isEqualTo(new Shown(List.of("-128", "127", "NULL"), "[-128,127,null]"));

    SmallIntVector small = new SmallIntVector("s", allocator);
    small.allocateNew(1);
    small.set(0, -32768);
    small.setValueCount(1);
    assertThat(shown(small).texts()).containsExactly("-32768");

    IntVector ints = new IntVector("i", allocator);
    ints.allocateNew(1);
    ints.set(0, Integer.MIN_VALUE);
    ints.setValueCount(1);
    assertThat(shown(ints).texts()).containsExactly("-2147483648");

    BigIntVector bigs = new BigIntVector("b", allocator);
    bigs.allocateNew(2);
    bigs.set(0, Long.MIN_VALUE);
    bigs.set(1, Long.MAX_VALUE);
    bigs.setValueCount(2);
    assertThat(shown(bigs))
        .isEqualTo(new Shown(List.of("-9223372036854775808", "9223372036854775807"),
            "[-9223372036854775808,9223372036854775807]"));
  }

  /** DuckDB's UTINYINT ... UBIGINT arrive as Arrow's unsigned integers: their values, not Java's signed view. */
  @Test
  void unsignedIntegersShowTheirValues() {
    UInt1Vector u1 = new UInt1Vector("u1", allocator);
    u1.allocateNew(2);
    u1.set(0, 0xff);
    u1.set(1, 7);
    u1.setValueCount(2);
    assertThat(shown(u1)).isEqualTo(new Shown(List.of("255", "7"), "[255,7]"));

    UInt2Vector u2 = new UInt2Vector("u2", allocator);
    u2.allocateNew(2);
    u2.set(0, 0xffff);
    u2.set(1, 65); // not 'A'
    u2.setValueCount(2);
    assertThat(shown(u2)).isEqualTo(new Shown(List.of("65535", "65"), "[65535,65]"));

    UInt4Vector u4 = new UInt4Vector("u4", allocator);
    u4.allocateNew(1);
    u4.set(0, 0xffffffff);
    u4.setValueCount(1);
    assertThat(shown(u4)).isEqualTo(new Shown(List.of("4294967295"), "[4294967295]"));

    UInt8Vector u8 = new UInt8Vector("u8", allocator);
    u8.allocateNew(2);
    u8.set(0, -1L);
    u8.setNull(1);
    u8.setValueCount(2);
    assertThat(shown(u8)).isEqualTo(new Shown(List.of("18446744073709551615", "NULL"), "[18446744073709551615,null]"));
  }

  @Test
  void decimalsKeepTheirScaleAndNeverUseExponents() {
    DecimalVector decimals = new DecimalVector("d", allocator, 21, 3);
    decimals.allocateNew(3);
    decimals.set(0, new BigDecimal("-1234.500"));
    decimals.set(1, new BigDecimal("0.001"));
    decimals.set(2, new BigDecimal("100000000000000000.000"));
    decimals.setValueCount(3);
    assertThat(shown(decimals)).isEqualTo(new Shown(
        List.of("-1234.500", "0.001", "100000000000000000.000"),
        "[-1234.500,0.001,100000000000000000.000]"));

    Decimal256Vector wide = new Decimal256Vector("w", allocator, 50, 2);
    wide.allocateNew(1);
    wide.set(0, new BigDecimal("12345678901234567890123456789012345678901234567.89"));
    wide.setValueCount(1);
    assertThat(shown(wide).texts()).containsExactly("12345678901234567890123456789012345678901234567.89");
  }

  @Test
  void floatsIncludingNaNAndInfinities() {
    Float8Vector doubles = new Float8Vector("f8", allocator);
    doubles.allocateNew(6);
    doubles.set(0, 1.5);
    doubles.set(1, Double.NaN);
    doubles.set(2, Double.POSITIVE_INFINITY);
    doubles.set(3, Double.NEGATIVE_INFINITY);
    doubles.set(4, -0.0);
    doubles.set(5, 1e300);
    doubles.setValueCount(6);
    // JSON has no NaN or Infinity: they are strings there, as Jackson (and JavaScript's JSON.stringify's readers) expect
    assertThat(shown(doubles)).isEqualTo(new Shown(
        List.of("1.5", "NaN", "Infinity", "-Infinity", "-0.0", "1.0E300"),
        "[1.5,\"NaN\",\"Infinity\",\"-Infinity\",-0.0,1.0E300]"));

    Float4Vector floats = new Float4Vector("f4", allocator);
    floats.allocateNew(2);
    floats.set(0, 1.1f);
    floats.set(1, Float.NaN);
    floats.setValueCount(2);
    // a REAL shows as the float it is in JSON too, not as the double nearest it (1.100000023841858)
    assertThat(shown(floats)).isEqualTo(new Shown(List.of("1.1", "NaN"), "[1.1,\"NaN\"]"));
  }

  @Test
  void booleans() {
    BitVector bits = new BitVector("b", allocator);
    bits.allocateNew(3);
    bits.set(0, 1);
    bits.set(1, 0);
    bits.setNull(2);
    bits.setValueCount(3);
    assertThat(shown(bits)).isEqualTo(new Shown(List.of("true", "false", "NULL"), "[true,false,null]"));
  }

  @Test
  void stringsAreTheirTextAndJsonEscapesWhatItMust() {
    VarCharVector strings = new VarCharVector("s", allocator);
    strings.allocateNew();
    String[] values = {"two\nlines", "tab\there", "héllo 日本 😀", "say \"hi\" \\ back", "", "\u0001"};
    for (int i = 0; i < values.length; i++) {
      strings.setSafe(i, values[i].getBytes(StandardCharsets.UTF_8));
    }
    strings.setNull(values.length);
    strings.setValueCount(values.length + 1);
    // Cells gives the text as it is; the table writer makes control characters visible (ResultWritersTest)
    assertThat(shown(strings)).isEqualTo(new Shown(
        List.of("two\nlines", "tab\there", "héllo 日本 😀", "say \"hi\" \\ back", "", "\u0001", "NULL"),
        "[\"two\\nlines\",\"tab\\there\",\"héllo 日本 😀\",\"say \\\"hi\\\" \\\\ back\",\"\",\"\\u0001\",null]"));

    LargeVarCharVector large = new LargeVarCharVector("l", allocator);
    large.allocateNew();
    large.setSafe(0, "large".getBytes(StandardCharsets.UTF_8));
    large.setValueCount(1);
    assertThat(shown(large)).isEqualTo(new Shown(List.of("large"), "[\"large\"]"));

    ViewVarCharVector view = new ViewVarCharVector("v", allocator);
    view.allocateNew();
    view.setSafe(0, "a string view longer than twelve bytes".getBytes(StandardCharsets.UTF_8));
    view.setValueCount(1);
    assertThat(shown(view).texts()).containsExactly("a string view longer than twelve bytes");
  }

  @Test
  void binaryIsHexInTextAndBase64InJson() {
    VarBinaryVector binary = new VarBinaryVector("b", allocator);
    binary.allocateNew();
    binary.setSafe(0, new byte[] {0x0a, 0x1b, (byte) 0xff});
    binary.setSafe(1, new byte[0]);
    binary.setNull(2);
    binary.setValueCount(3);
    assertThat(shown(binary)).isEqualTo(new Shown(List.of("\\x0a1bff", "\\x", "NULL"), "[\"Chv/\",\"\",null]"));

    FixedSizeBinaryVector fixed = new FixedSizeBinaryVector("f", allocator, 2);
    fixed.allocateNew();
    fixed.setSafe(0, new byte[] {(byte) 0xca, (byte) 0xfe});
    fixed.setValueCount(1);
    assertThat(shown(fixed).texts()).containsExactly("\\xcafe");
  }

  @Test
  void datesAsIsoDates() {
    DateDayVector days = new DateDayVector("d", allocator);
    days.allocateNew(3);
    days.set(0, (int) LocalDate.of(2024, 5, 1).toEpochDay());
    days.set(1, -1);
    days.setNull(2);
    days.setValueCount(3);
    assertThat(shown(days)).isEqualTo(new Shown(
        List.of("2024-05-01", "1969-12-31", "NULL"), "[\"2024-05-01\",\"1969-12-31\",null]"));

    DateMilliVector millis = new DateMilliVector("m", allocator);
    millis.allocateNew(1);
    millis.set(0, LocalDate.of(2024, 2, 29).toEpochDay() * 86_400_000L);
    millis.setValueCount(1);
    assertThat(shown(millis)).isEqualTo(new Shown(List.of("2024-02-29"), "[\"2024-02-29\"]"));
  }

  @Test
  void timesInEveryUnit() {
    long time = LocalTime.of(13, 45).toNanoOfDay();
    TimeSecVector seconds = new TimeSecVector("s", allocator);
    seconds.allocateNew(2);
    seconds.set(0, (int) (time / 1_000_000_000L));
    seconds.setNull(1);
    seconds.setValueCount(2);
    assertThat(shown(seconds)).isEqualTo(new Shown(List.of("13:45:00", "NULL"), "[\"13:45:00\",null]"));

    TimeMilliVector millis = new TimeMilliVector("ms", allocator);
    millis.allocateNew(1);
    millis.set(0, (int) (time / 1_000_000L) + 500);
    millis.setValueCount(1);
    assertThat(shown(millis).texts()).containsExactly("13:45:00.5");

    TimeMicroVector micros = new TimeMicroVector("us", allocator);
    micros.allocateNew(1);
    micros.set(0, time / 1000 + 123_456);
    micros.setValueCount(1);
    assertThat(shown(micros).texts()).containsExactly("13:45:00.123456");

    TimeNanoVector nanos = new TimeNanoVector("ns", allocator);
    nanos.allocateNew(1);
    nanos.set(0, LocalTime.MAX.toNanoOfDay());
    nanos.setValueCount(1);
    assertThat(shown(nanos).texts()).containsExactly("23:59:59.999999999");
  }

  @Test
  void timestampsWithoutZoneAreLocal() {
    LocalDateTime when = LocalDateTime.of(2024, 5, 1, 13, 45);
    long micros = when.toEpochSecond(ZoneOffset.UTC) * 1_000_000L + 123_456;
    TimeStampMicroVector stamps = new TimeStampMicroVector("t", allocator);
    stamps.allocateNew(3);
    stamps.set(0, micros);
    stamps.set(1, -1); // a microsecond before 1970: floor, not truncation
    stamps.setNull(2);
    stamps.setValueCount(3);
    assertThat(shown(stamps)).isEqualTo(new Shown(
        List.of("2024-05-01 13:45:00.123456", "1969-12-31 23:59:59.999999", "NULL"),
        "[\"2024-05-01 13:45:00.123456\",\"1969-12-31 23:59:59.999999\",null]"));

    TimeStampSecVector seconds = new TimeStampSecVector("s", allocator);
    seconds.allocateNew(1);
    seconds.set(0, when.toEpochSecond(ZoneOffset.UTC));
    seconds.setValueCount(1);
    assertThat(shown(seconds).texts()).containsExactly("2024-05-01 13:45:00");
  }

  @Test
  void timestampsWithZoneCarryTheirOffset() {
    long epochSecond = LocalDateTime.of(2024, 5, 1, 13, 45).toEpochSecond(ZoneOffset.UTC);
    TimeStampMilliTZVector utc = new TimeStampMilliTZVector("utc", allocator, "UTC");
    utc.allocateNew(1);
    utc.set(0, epochSecond * 1000);
    utc.setValueCount(1);
    assertThat(shown(utc)).isEqualTo(new Shown(List.of("2024-05-01 13:45:00Z"), "[\"2024-05-01 13:45:00Z\"]"));

    TimeStampMicroTZVector helsinki = new TimeStampMicroTZVector("hel", allocator, "Europe/Helsinki");
    helsinki.allocateNew(2);
    helsinki.set(0, epochSecond * 1_000_000L); // summer time: +03:00
    helsinki.set(1, LocalDateTime.of(2024, 1, 1, 0, 0).toEpochSecond(ZoneOffset.UTC) * 1_000_000L); // +02:00
    helsinki.setValueCount(2);
    assertThat(shown(helsinki).texts()).containsExactly("2024-05-01 16:45:00+03:00", "2024-01-01 02:00:00+02:00");

    TimeStampNanoTZVector offset = new TimeStampNanoTZVector("off", allocator, "+05:30");
    offset.allocateNew(1);
    offset.set(0, epochSecond * 1_000_000_000L + 1);
    offset.setValueCount(1);
    assertThat(shown(offset).texts()).containsExactly("2024-05-01 19:15:00.000000001+05:30");
  }

  @Test
  void intervals() {
    IntervalYearVector months = new IntervalYearVector("ym", allocator);
    months.allocateNew(1);
    months.set(0, 14);
    months.setValueCount(1);
    assertThat(shown(months)).isEqualTo(new Shown(List.of("P14M"), "[\"P14M\"]"));

    IntervalDayVector days = new IntervalDayVector("dt", allocator);
    days.allocateNew(1);
    days.set(0, 2, 3_000);
    days.setValueCount(1);
    assertThat(shown(days)).isEqualTo(new Shown(List.of("PT48H3S"), "[\"PT48H3S\"]"));

    // DuckDB's INTERVAL: months, days and nanoseconds
    IntervalMonthDayNanoVector mdn = new IntervalMonthDayNanoVector("mdn", allocator);
    mdn.allocateNew(2);
    mdn.set(0, 1, 2, Duration.ofSeconds(3).toNanos());
    mdn.setNull(1);
    mdn.setValueCount(2);
    assertThat(shown(mdn)).isEqualTo(new Shown(List.of("P1M2D PT3S", "NULL"), "[\"P1M2D PT3S\",null]"));
  }

  @Test
  void listsAreJsonArraysInText() {
    ListVector lists = ListVector.empty("l", allocator);
    IntVector items = (IntVector) lists.addOrGetVector(FieldType.nullable(MinorType.INT.getType())).getVector();
    lists.allocateNew();
    int start = lists.startNewValue(0);
    items.setSafe(start, 1);
    items.setSafe(start + 1, 2);
    items.setNull(start + 2);
    lists.endValue(0, 3);
    lists.startNewValue(1);
    lists.endValue(1, 0);
    lists.setNull(2);
    items.setValueCount(3);
    lists.setValueCount(3);
    assertThat(shown(lists)).isEqualTo(new Shown(List.of("[1,2,null]", "[]", "NULL"), "[[1,2,null],[],null]"));

    ListVector strings = ListVector.empty("s", allocator);
    VarCharVector words = (VarCharVector) strings.addOrGetVector(FieldType.nullable(MinorType.VARCHAR.getType()))
        .getVector();
    strings.allocateNew();
    start = strings.startNewValue(0);
    words.setSafe(start, "a \"b\"".getBytes(StandardCharsets.UTF_8));
    words.setSafe(start + 1, "c,d".getBytes(StandardCharsets.UTF_8));
    strings.endValue(0, 2);
    words.setValueCount(2);
    strings.setValueCount(1);
    assertThat(shown(strings))
        .isEqualTo(new Shown(List.of("[\"a \\\"b\\\"\",\"c,d\"]"), "[[\"a \\\"b\\\"\",\"c,d\"]]"));
  }

  /** Dates and times inside a list or struct show as at the top level, not as Arrow's day counts. */
  @Test
  void nestedDatesShowAsDates() {
    ListVector lists = ListVector.empty("l", allocator);
    DateDayVector days = (DateDayVector) lists.addOrGetVector(FieldType.nullable(MinorType.DATEDAY.getType()))
        .getVector();
    lists.allocateNew();
    int start = lists.startNewValue(0);
    days.setSafe(start, (int) LocalDate.of(2024, 5, 1).toEpochDay());
    lists.endValue(0, 1);
    days.setValueCount(1);
    lists.setValueCount(1);
    assertThat(shown(lists)).isEqualTo(new Shown(List.of("[\"2024-05-01\"]"), "[[\"2024-05-01\"]]"));
  }

  @Test
  void structsAreJsonObjectsInText() {
    StructVector structs = StructVector.empty("s", allocator);
    IntVector a = structs.addOrGet("a", FieldType.nullable(MinorType.INT.getType()), IntVector.class);
    VarCharVector b = structs.addOrGet("b", FieldType.nullable(MinorType.VARCHAR.getType()), VarCharVector.class);
    structs.allocateNew();
    a.setSafe(0, 1);
    b.setSafe(0, "x\ty".getBytes(StandardCharsets.UTF_8));
    structs.setIndexDefined(0);
    a.setNull(1);
    b.setSafe(1, "z".getBytes(StandardCharsets.UTF_8));
    structs.setIndexDefined(1);
    structs.setNull(2);
    a.setValueCount(3);
    b.setValueCount(3);
    structs.setValueCount(3);
    assertThat(shown(structs)).isEqualTo(new Shown(
        List.of("{\"a\":1,\"b\":\"x\\ty\"}", "{\"a\":null,\"b\":\"z\"}", "NULL"),
        "[{\"a\":1,\"b\":\"x\\ty\"},{\"a\":null,\"b\":\"z\"},null]"));
  }

  @Test
  void mapsAreListsOfKeyValueEntries() {
    MapVector maps = MapVector.empty("m", allocator, false);
    UnionMapWriter writer = maps.getWriter();
    writer.setPosition(0);
    writer.startMap();
    writer.startEntry();
    writer.key().varChar().writeVarChar("k1");
    writer.value().integer().writeInt(1);
    writer.endEntry();
    writer.startEntry();
    writer.key().varChar().writeVarChar("k2");
    writer.value().integer().writeInt(2);
    writer.endEntry();
    writer.endMap();
    writer.setValueCount(1);
    assertThat(shown(maps)).isEqualTo(new Shown(
        List.of("[{\"key\":\"k1\",\"value\":1},{\"key\":\"k2\",\"value\":2}]"),
        "[[{\"key\":\"k1\",\"value\":1},{\"key\":\"k2\",\"value\":2}]]"));
  }

  /** A DuckDB ENUM arrives dictionary-encoded: the cells are its values, not their indices. */
  @Test
  void dictionaryEncodedColumnsShowValues() {
    VarCharVector colors = new VarCharVector("colors", allocator);
    colors.allocateNew();
    colors.setSafe(0, "red".getBytes(StandardCharsets.UTF_8));
    colors.setSafe(1, "green".getBytes(StandardCharsets.UTF_8));
    colors.setValueCount(2);
    VarCharVector plain = new VarCharVector("color", allocator);
    plain.allocateNew();
    plain.setSafe(0, "green".getBytes(StandardCharsets.UTF_8));
    plain.setSafe(1, "red".getBytes(StandardCharsets.UTF_8));
    plain.setNull(2);
    plain.setSafe(3, "green".getBytes(StandardCharsets.UTF_8));
    plain.setValueCount(4);
    try (MapDictionaryProvider dictionaries = new MapDictionaryProvider(
        new Dictionary(colors, new DictionaryEncoding(7, false, new ArrowType.Int(32, true))))) {
      FieldVector encoded = (FieldVector) DictionaryEncoder.encode(plain, dictionaries.lookup(7));
      plain.close();
      assertThat(encoded.getField().getDictionary()).isNotNull();
      assertThat(((IntVector) encoded).get(0)).isEqualTo(1);
      assertThat(shown(encoded, dictionaries)).isEqualTo(new Shown(
          List.of("green", "red", "NULL", "green"), "[\"green\",\"red\",null,\"green\"]"));
    }
  }

  /** The rows of a one-column batch as the table shows them, and as a JSON array; closes {@code vector}. */
  private static Shown shown(FieldVector vector) {
    return shown(vector, new MapDictionaryProvider());
  }

  private static Shown shown(FieldVector vector, DictionaryProvider dictionaries) {
    try (VectorSchemaRoot root = VectorSchemaRoot.of(vector)) {
      root.setRowCount(vector.getValueCount());
      IntFunction<Object> column = Cells.columns(root, dictionaries).get(0);
      List<String> texts = new ArrayList<>();
      StringWriter json = new StringWriter();
      try (JsonGenerator generator = new JsonFactory().createGenerator(json)) {
        generator.writeStartArray();
        for (int row = 0; row < root.getRowCount(); row++) {
          Object value = column.apply(row);
          texts.add(Cells.text(value, "NULL"));
          Cells.json(generator, value);
        }
        generator.writeEndArray();
      } catch (IOException e) {
        throw new AssertionError(e);
      }
      return new Shown(texts, json.toString());
    }
  }

  private record Shown(List<String> texts, String json) {}
}
