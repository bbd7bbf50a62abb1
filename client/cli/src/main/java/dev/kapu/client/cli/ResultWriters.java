package dev.kapu.client.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import dev.kapu.flight.Dictionaries;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.apache.arrow.c.ArrowArrayStream;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Field;
import org.duckdb.DuckDBConnection;

/** How {@code kapu query} writes a result, one method per {@code --format}. */
final class ResultWriters {
  private ResultWriters() {}

  /**
   * An aligned table of the first {@code maxRows} rows, then how many there were in all: every
   * batch is read (and counted), but only the rows shown are kept.
   */
  static void table(ArrowReader reader, PrintStream out, int maxRows) throws IOException {
    VectorSchemaRoot root = reader.getVectorSchemaRoot();
    List<String> header = root.getSchema().getFields().stream().map(Field::getName).toList();
    List<List<String>> rows = new ArrayList<>();
    long total = 0;
    while (reader.loadNextBatch()) {
      List<IntFunction<Object>> columns = Cells.columns(root, reader);
      for (int r = 0; r < root.getRowCount() && rows.size() < maxRows; r++) {
        List<String> row = new ArrayList<>();
        for (IntFunction<Object> column : columns) {
          row.add(oneLine(Cells.text(column.apply(r), "NULL")));
        }
        rows.add(row);
      }
      total += root.getRowCount();
    }
    int[] width = new int[header.size()];
    for (int c = 0; c < width.length; c++) {
      width[c] = header.get(c).length();
      for (List<String> row : rows) {
        width[c] = Math.max(width[c], row.get(c).length());
      }
    }
    out.println(line(header, width));
    StringBuilder rule = new StringBuilder();
    for (int c = 0; c < width.length; c++) {
      rule.append(c == 0 ? "" : "-+-").append("-".repeat(width[c]));
    }
    out.println(rule);
    rows.forEach(row -> out.println(line(row, width)));
    long more = total - rows.size();
    out.println("(" + total + (total == 1 ? " row" : " rows")
        + (more > 0 ? "; first " + rows.size() + " shown, " + more + " more: --max-rows N, or --format csv" : "") + ")");
    out.flush();
  }

  /** A cell's line breaks and tabs, escaped: as they are, they would break the table's rows and columns. */
  private static String oneLine(String text) {
    return text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t");
  }

  private static String line(List<String> cells, int[] width) {
    StringBuilder s = new StringBuilder();
    for (int c = 0; c < cells.size(); c++) {
      s.append(c == 0 ? "" : " | ").append(String.format("%-" + width[c] + "s", cells.get(c)));
    }
    return s.toString().stripTrailing();
  }

  /**
   * A header row, then a row per record; RFC 4180 quoting, LF line ends, NULL as an empty field and
   * an empty string as {@code ""} (as DuckDB's and PostgreSQL's CSV tell them apart).
   */
  static void csv(ArrowReader reader, OutputStream out) throws IOException {
    Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
    VectorSchemaRoot root = reader.getVectorSchemaRoot();
    List<Field> fields = root.getSchema().getFields();
    for (int c = 0; c < fields.size(); c++) {
      if (c > 0) {
        w.write(',');
      }
      csvField(w, fields.get(c).getName(), true);
    }
    w.write('\n');
    while (reader.loadNextBatch()) {
      List<IntFunction<Object>> columns = Cells.columns(root, reader);
      for (int r = 0; r < root.getRowCount(); r++) {
        for (int c = 0; c < columns.size(); c++) {
          if (c > 0) {
            w.write(',');
          }
          Object value = columns.get(c).apply(r);
          csvField(w, Cells.text(value, ""), value != null);
        }
        w.write('\n');
      }
    }
    w.flush();
  }

  private static void csvField(Writer w, String text, boolean quoteIfEmpty) throws IOException {
    boolean quote = quoteIfEmpty && text.isEmpty();
    for (int i = 0; i < text.length() && !quote; i++) {
      char ch = text.charAt(i);
      quote = ch == ',' || ch == '"' || ch == '\n' || ch == '\r';
    }
    if (!quote) {
      w.write(text);
      return;
    }
    w.write('"');
    w.write(text.replace("\"", "\"\""));
    w.write('"');
  }

  /** A JSON array with one object per row (one per line), written as the batches arrive. */
  static void json(ArrowReader reader, OutputStream out) throws IOException {
    VectorSchemaRoot root = reader.getVectorSchemaRoot();
    List<String> names = root.getSchema().getFields().stream().map(Field::getName).toList();
    try (JsonGenerator json = new JsonFactory().createGenerator(out)) {
      json.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
      json.setPrettyPrinter(new RowPerLine());
      json.writeStartArray();
      while (reader.loadNextBatch()) {
        List<IntFunction<Object>> columns = Cells.columns(root, reader);
        for (int r = 0; r < root.getRowCount(); r++) {
          json.writeStartObject();
          for (int c = 0; c < columns.size(); c++) {
            json.writeFieldName(names.get(c));
            Cells.json(json, columns.get(c).apply(r));
          }
          json.writeEndObject();
        }
      }
      json.writeEndArray();
      json.writeRaw('\n');
    }
    out.flush();
  }

  /** Compact objects, each on a line of its own inside the outer array (the context is the array's own). */
  private static final class RowPerLine extends MinimalPrettyPrinter {
    @Override
    public void writeStartArray(JsonGenerator g) throws IOException {
      g.writeRaw(g.getOutputContext().getParent().inRoot() ? "[\n" : "[");
    }

    @Override
    public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
      g.writeRaw(g.getOutputContext().getParent().inRoot() ? ",\n" : ",");
    }

    @Override
    public void writeEndArray(JsonGenerator g, int nrOfValues) throws IOException {
      g.writeRaw(g.getOutputContext().getParent().inRoot() && nrOfValues > 0 ? "\n]" : "]");
    }
  }

  /**
   * The Arrow IPC file format (also known as Feather v2): pyarrow, polars, pandas and DuckDB read
   * it. Encoded columns keep their dictionaries, which the format writes once, with the first batch.
   */
  static void arrow(ArrowReader reader, OutputStream out) throws IOException {
    VectorSchemaRoot root = reader.getVectorSchemaRoot();
    try (ArrowFileWriter writer = new ArrowFileWriter(root, reader, Channels.newChannel(out));
        Dictionaries.Fixed written = new Dictionaries.Fixed(root.getSchema(), "an Arrow IPC file")) {
      writer.start();
      while (reader.loadNextBatch()) {
        written.check(reader);
        writer.writeBatch();
      }
      writer.end();
    }
    out.flush();
  }

  /**
   * Parquet, written by DuckDB in this process from the Arrow stream it is handed (columnar all
   * the way; an encoded column goes with its dictionary in every batch, and becomes its values).
   * DuckDB closes the reader when it is done with it.
   */
  static void parquet(ArrowReader reader, BufferAllocator allocator, Path file) throws Exception {
    try (DuckDBConnection duckdb = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:");
        ArrowArrayStream stream = ArrowArrayStream.allocateNew(allocator)) {
      Data.exportArrayStream(allocator, reader, stream);
      duckdb.registerArrowStream("kapu_result", stream);
      try (Statement s = duckdb.createStatement()) {
        s.execute("COPY (SELECT * FROM kapu_result) TO '" + file.toAbsolutePath().toString().replace("'", "''")
            + "' (FORMAT parquet)");
      }
    }
  }
}
