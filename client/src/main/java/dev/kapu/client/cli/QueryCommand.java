package dev.kapu.client.cli;

import dev.kapu.client.Kapu;
import dev.kapu.daemon.ResourceSpec;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kapu query "SQL"}: starts local daemons hosting Kapu's embedded DuckDB (or the resources
 * of a {@code kapu.yaml}), runs the query through them and prints the result as a table.
 */
@Command(name = "query", mixinStandardHelpOptions = true,
    description = "Run SQL on daemons hosting the embedded DuckDB (or a kapu.yaml's resources) and print the result.")
final class QueryCommand implements Callable<Integer> {

  @Parameters(index = "0", description = "The SQL to run.")
  String sql;

  @Option(names = "--duckdb", description = "A DuckDB file for the embedded resource (default: in memory).")
  Path duckdb;

  @Option(names = "--config", description = "A kapu.yaml whose resources the daemons host instead.")
  Path config;

  @Option(names = "--resource", defaultValue = "duckdb", description = "The resource to query (default ${DEFAULT-VALUE}).")
  String resource;

  @Option(names = "--daemons", defaultValue = "1", description = "Daemons to start (default ${DEFAULT-VALUE}).")
  int daemons;

  @Option(names = "--max-rows", defaultValue = "100", description = "Rows to print; all are counted (default ${DEFAULT-VALUE}).")
  int maxRows;

  @Override
  public Integer call() throws Exception {
    Kapu.Builder builder = Kapu.builder().daemons(daemons);
    if (config != null) {
      builder.config(config);
    } else {
      builder.resource(ResourceSpec.replicated("duckdb", "duckdb",
          duckdb == null ? Map.of() : Map.of("path", duckdb.toAbsolutePath().toString())));
    }
    try (Kapu kapu = builder.local(); ArrowReader reader = kapu.query(resource, sql)) {
      print(reader, System.out);
    }
    return 0;
  }

  /** An aligned table of the first rows, then the row count. */
  void print(ArrowReader reader, PrintStream out) throws Exception {
    VectorSchemaRoot root = reader.getVectorSchemaRoot();
    List<String> header = root.getSchema().getFields().stream().map(f -> f.getName()).toList();
    List<List<String>> rows = new ArrayList<>();
    long total = 0;
    while (reader.loadNextBatch()) {
      for (int r = 0; r < root.getRowCount() && rows.size() < maxRows; r++) {
        List<String> row = new ArrayList<>();
        for (FieldVector v : root.getFieldVectors()) {
          Object value = v.getObject(r);
          row.add(value == null ? "NULL" : value.toString());
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
    out.println("(" + total + (total == 1 ? " row" : " rows")
        + (total > rows.size() ? ", first " + rows.size() + " shown" : "") + ")");
  }

  private static String line(List<String> cells, int[] width) {
    StringBuilder s = new StringBuilder();
    for (int c = 0; c < cells.size(); c++) {
      s.append(c == 0 ? "" : " | ").append(String.format("%-" + width[c] + "s", cells.get(c)));
    }
    return s.toString().stripTrailing();
  }
}
