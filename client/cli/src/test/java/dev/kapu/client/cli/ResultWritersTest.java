package dev.kapu.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider.MapDictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.ByteArrayReadableSeekableByteChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code kapu query --format}, written from one small result read as Arrow IPC: three
 * batches (the last empty), nulls, text that needs quoting and escaping, a decimal, a date, and a
 * dictionary-encoded column (as DuckDB sends an ENUM). Closing the allocator fails a test on a leak.
 */
class ResultWritersTest {
  private static final DictionaryEncoding COLORS = new DictionaryEncoding(1, false, new ArrowType.Int(32, true));
  private static final int RED = 0;
  private static final int GREEN = 1;

  /** The table's header, rule and first two rows: widths from the longest cell shown, escaped control characters. */
  private static final String TABLE_TOP = String.join("\n",
      "id | name            | price | color | day",
      "--" + "-+-" + "-".repeat(15) + "-+-" + "-".repeat(5) + "-+-" + "-".repeat(5) + "-+-" + "-".repeat(10),
      "1  | café\\tbar       | 1.50  | red   | 2024-05-01",
      "2  | comma, \"quoted\" | NULL  | green | NULL");
  private static final String CSV = "id,name,price,color,day\n"
      + "1,café\tbar,1.50,red,2024-05-01\n"
      + "2,\"comma, \"\"quoted\"\"\",,green,\n"
      + "3,\"line\nbreak\",-0.25,,1999-12-31\n"
      + "4,,10.00,red,2024-02-29\n"
      + "5,\"\",0.00,green,2000-01-01\n";

  private final BufferAllocator allocator = new RootAllocator();

  @AfterEach
  void noLeaks() {
    allocator.close();
  }

  @Test
  void tableAlignsTheCellsAndKeepsEachRowOnOneLine() throws IOException {
    try (ArrowReader reader = result()) {
      assertThat(table(reader, 100)).isEqualTo(String.join("\n",
          TABLE_TOP,
          "3  | line\\nbreak     | -0.25 | NULL  | 1999-12-31",
          "4  | NULL            | 10.00 | red   | 2024-02-29",
          "5  |" + " ".repeat(17) + "| 0.00  | green | 2000-01-01",
          "(5 rows)",
          ""));
    }
  }

  @Test
  void tableShowsTheFirstRowsAndCountsThemAll() throws IOException {
    try (ArrowReader reader = result()) {
      assertThat(table(reader, 2)).isEqualTo(String.join("\n",
          TABLE_TOP,
          "(5 rows; first 2 shown, 3 more: --max-rows N, or --format csv)",
          ""));
    }
    try (ArrowReader empty = result(root -> {})) {
      assertThat(table(empty, 100)).isEqualTo("id | name | price | color | day\n---+------+-------+-------+----\n(0 rows)\n");
    }
    try (ArrowReader one = result(root -> fill(root, new Object[] {7, "x", "0.10", RED, "2024-01-01"}))) {
      assertThat(table(one, 100)).endsWith("\n(1 row)\n");
    }
  }

  @Test
  void csvQuotesWhatItMustAndTellsEmptyFromNull() throws IOException {
    try (ArrowReader reader = result()) {
      assertThat(csv(reader)).isEqualTo(CSV);
    }
  }

  @Test
  void csvQuotesHeadersToo() throws IOException {
    Schema schema = new Schema(List.of(Field.nullable("a,b", new ArrowType.Int(32, true)),
        Field.nullable("say \"x\"", new ArrowType.Int(32, true)), Field.nullable("cr\rlf", new ArrowType.Int(32, true))));
    try (ArrowReader reader = ArrowStreams.of(allocator, schema, new MapDictionaryProvider(), List.of())) {
      assertThat(csv(reader)).isEqualTo("\"a,b\",\"say \"\"x\"\"\",\"cr\rlf\"\n");
    }
  }

  @Test
  void jsonIsAnArrayWithARowPerLine() throws IOException {
    try (ArrowReader reader = result()) {
      assertThat(json(reader)).isEqualTo("[\n"
          + "{\"id\":1,\"name\":\"café\\tbar\",\"price\":1.50,\"color\":\"red\",\"day\":\"2024-05-01\"},\n"
          + "{\"id\":2,\"name\":\"comma, \\\"quoted\\\"\",\"price\":null,\"color\":\"green\",\"day\":null},\n"
          + "{\"id\":3,\"name\":\"line\\nbreak\",\"price\":-0.25,\"color\":null,\"day\":\"1999-12-31\"},\n"
          + "{\"id\":4,\"name\":null,\"price\":10.00,\"color\":\"red\",\"day\":\"2024-02-29\"},\n"
          + "{\"id\":5,\"name\":\"\",\"price\":0.00,\"color\":\"green\",\"day\":\"2000-01-01\"}\n"
          + "]\n");
    }
    try (ArrowReader empty = result(root -> {})) {
      assertThat(json(empty)).isEqualTo("[\n]\n");
    }
  }

  /** Only the outer array puts its rows on lines of their own; a list inside a row stays compact. */
  @Test
  void jsonKeepsNestedArraysOnTheRowsLine() throws IOException {
    Schema schema = new Schema(List.of(new Field("l", FieldType.nullable(ArrowType.List.INSTANCE),
        List.of(Field.nullable("item", new ArrowType.Int(32, true))))));
    Consumer<VectorSchemaRoot> lists = root -> {
      ListVector list = (ListVector) root.getVector("l");
      IntVector items = (IntVector) list.getDataVector();
      list.allocateNew();
      int start = list.startNewValue(0);
      items.setSafe(start, 1);
      items.setSafe(start + 1, 2);
      list.endValue(0, 2);
      list.startNewValue(1);
      list.endValue(1, 0);
      items.setValueCount(2);
      root.setRowCount(2);
    };
    try (ArrowReader reader = ArrowStreams.of(allocator, schema, new MapDictionaryProvider(), List.of(lists))) {
      assertThat(json(reader)).isEqualTo("[\n{\"l\":[1,2]},\n{\"l\":[]}\n]\n");
    }
  }

  /** The IPC file keeps the ENUM encoded, with its dictionary, and every batch; read back, it writes the same CSV. */
  @Test
  void arrowIsAnIpcFileThatReadsBackAsTheSameResult() throws IOException {
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    try (ArrowReader reader = result()) {
      ResultWriters.arrow(reader, file);
    }
    try (ArrowFileReader back = new ArrowFileReader(
        new ByteArrayReadableSeekableByteChannel(file.toByteArray()), allocator)) {
      assertThat(back.getVectorSchemaRoot().getSchema().findField("color").getDictionary()).isEqualTo(COLORS);
      assertThat(back.getRecordBlocks()).hasSize(3);
      assertThat(csv(back)).isEqualTo(CSV);
    }
  }

  /** DuckDB writes the file; DuckDB reads it back: the ENUM became its values, the types are kept. */
  @Test
  void parquetReadsBackWithDuckDb(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("it's.parquet"); // a quote in the name, which the COPY statement must escape
    try (ArrowReader reader = result()) {
      ResultWriters.parquet(reader, allocator, file);
    }
    try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = duckdb.createStatement()) {
      String source = "read_parquet('" + file.toString().replace("'", "''") + "')";
      List<String> types = new ArrayList<>();
      try (ResultSet r = s.executeQuery("DESCRIBE SELECT * FROM " + source)) {
        while (r.next()) {
          types.add(r.getString("column_name") + " " + r.getString("column_type"));
        }
      }
      assertThat(types).containsExactly("id INTEGER", "name VARCHAR", "price DECIMAL(10,2)", "color VARCHAR",
          "day DATE");
      List<String> rows = new ArrayList<>();
      try (ResultSet r = s.executeQuery("SELECT id, name, price::VARCHAR, color, day::VARCHAR FROM " + source)) {
        while (r.next()) {
          rows.add(r.getInt(1) + "|" + r.getString(2) + "|" + r.getString(3) + "|" + r.getString(4) + "|" + r.getString(5));
        }
      }
      assertThat(rows).containsExactly(
          "1|café\tbar|1.50|red|2024-05-01",
          "2|comma, \"quoted\"|null|green|null",
          "3|line\nbreak|-0.25|null|1999-12-31",
          "4|null|10.00|red|2024-02-29",
          "5||0.00|green|2000-01-01");
    }
  }

  private static String table(ArrowReader reader, int maxRows) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ResultWriters.table(reader, new PrintStream(out, false, StandardCharsets.UTF_8), maxRows);
    return out.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n");
  }

  private static String csv(ArrowReader reader) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ResultWriters.csv(reader, out);
    return out.toString(StandardCharsets.UTF_8);
  }

  private static String json(ArrowReader reader) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ResultWriters.json(reader, out);
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The result every format writes: rows 1-2, rows 3-5, then an empty batch. */
  private ArrowReader result() throws IOException {
    return result(
        root -> fill(root,
            new Object[] {1, "café\tbar", "1.50", RED, "2024-05-01"},
            new Object[] {2, "comma, \"quoted\"", null, GREEN, null}),
        root -> fill(root,
            new Object[] {3, "line\nbreak", "-0.25", null, "1999-12-31"},
            new Object[] {4, null, "10.00", RED, "2024-02-29"},
            new Object[] {5, "", "0.00", GREEN, "2000-01-01"}),
        root -> fill(root));
  }

  @SafeVarargs
  private ArrowReader result(Consumer<VectorSchemaRoot>... batches) throws IOException {
    Schema schema = new Schema(List.of(
        Field.nullable("id", new ArrowType.Int(32, true)),
        Field.nullable("name", ArrowType.Utf8.INSTANCE),
        Field.nullable("price", new ArrowType.Decimal(10, 2, 128)),
        new Field("color", new FieldType(true, COLORS.getIndexType(), COLORS), null), // Arrow Java's way: the indices' type
        Field.nullable("day", new ArrowType.Date(DateUnit.DAY))));
    VarCharVector colors = new VarCharVector("colors", allocator);
    colors.allocateNew();
    colors.setSafe(RED, "red".getBytes(StandardCharsets.UTF_8));
    colors.setSafe(GREEN, "green".getBytes(StandardCharsets.UTF_8));
    colors.setValueCount(2);
    return ArrowStreams.of(allocator, schema, new MapDictionaryProvider(new Dictionary(colors, COLORS)), List.of(batches));
  }

  /** Rows of (id, name, price, color index, day); a null is left unset, which is null. */
  private static void fill(VectorSchemaRoot root, Object[]... rows) {
    root.allocateNew();
    for (int r = 0; r < rows.length; r++) {
      Object[] row = rows[r];
      ((IntVector) root.getVector("id")).setSafe(r, (Integer) row[0]);
      if (row[1] != null) {
        ((VarCharVector) root.getVector("name")).setSafe(r, ((String) row[1]).getBytes(StandardCharsets.UTF_8));
      }
      if (row[2] != null) {
        ((DecimalVector) root.getVector("price")).setSafe(r, new BigDecimal((String) row[2]));
      }
      if (row[3] != null) {
        ((IntVector) root.getVector("color")).setSafe(r, (Integer) row[3]);
      }
      if (row[4] != null) {
        ((DateDayVector) root.getVector("day")).setSafe(r, (int) LocalDate.parse((String) row[4]).toEpochDay());
      }
    }
    root.setRowCount(rows.length);
  }
}
