package dev.kapu.client.cli;

import dev.kapu.api.ResourceSpec;
import dev.kapu.client.Kapu;
import dev.kapu.client.RemoteSql;
import dev.kapu.client.RemoteStatements;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kapu query "SQL"}: runs SQL on a Flight SQL server ({@code --url}: {@code kapu serve} or
 * any other) or, without one, on local daemons it starts hosting Kapu's embedded DuckDB (or a
 * kapu.yaml's resources), and writes the result as a table, CSV, JSON, Arrow or Parquet.
 *
 * <p>The default format is a table on a terminal and CSV otherwise (a pipe or a file), as {@code
 * gh} and {@code clickhouse-client} do; with {@code --output} it follows the file's extension.
 * Binary formats are not written to a terminal. A file is written beside its final name and moved
 * there when complete, so a failed query leaves no half file. Failures are one line on stderr and
 * exit code 1 (2 for a bad command line); {@code --verbose} adds the stack trace.
 *
 * <p>With {@code --url}, several statements run one after the other, each result written in turn;
 * with {@code --transaction} they run in one transaction (Flight SQL's {@code BeginTransaction}),
 * committed after the last, rolled back at the first that fails.
 */
@Command(name = "query", mixinStandardHelpOptions = true,
    description = "Run SQL on a Flight SQL server (--url) or on local daemons hosting the embedded DuckDB"
        + " (or a kapu.yaml's resources), and write the result.")
final class QueryCommand implements Callable<Integer> {

  enum Format {
    table, csv, json, arrow, parquet;

    boolean binary() {
      return this == arrow || this == parquet;
    }
  }

  @Parameters(arity = "1..*", paramLabel = "SQL",
      description = "The SQL to run; with --url, several statements run one after the other.")
  List<String> statements;

  @Option(names = "--transaction", description = "With --url: run the statements in one transaction, committed"
      + " after the last, rolled back at the first that fails.")
  boolean transaction;

  @Option(names = "--url", paramLabel = "URL",
      description = "A Flight SQL server: grpc://host:port or grpc+tls://host:port (default: local daemons).")
  URI url;

  @Option(names = "--user", defaultValue = "kapu", description = "With --url: the user name (default ${DEFAULT-VALUE}).")
  String user;

  @Option(names = "--password", description = "With --url: the password (default: $KAPU_PASSWORD).")
  String password;

  @Option(names = "--trust-cert", paramLabel = "FILE",
      description = "With grpc+tls://: a PEM certificate to trust, e.g. the one kapu serve --tls prints.")
  Path trustCert;

  @Option(names = {"--catalog", "--resource"}, paramLabel = "NAME",
      description = "The catalog (hosted resource) to run on (default: the server's; locally duckdb).")
  String catalog;

  @Option(names = "--format", paramLabel = "FORMAT",
      description = "table, csv, json, arrow (IPC file) or parquet (default: table on a terminal,"
          + " else from --output's extension, else csv).")
  Format format;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the result here instead of stdout.")
  Path output;

  @Option(names = "--max-rows", defaultValue = "100", description = "Table: rows to show; all are counted (default ${DEFAULT-VALUE}).")
  int maxRows;

  @Option(names = "--duckdb", description = "Local: a DuckDB file for the embedded resource (default: in memory).")
  Path duckdb;

  @Option(names = "--config", description = "Local: a kapu.yaml whose resources the daemons host instead.")
  Path config;

  @Option(names = "--daemons", defaultValue = "1", description = "Local: daemons to start (default ${DEFAULT-VALUE}).")
  int daemons;

  @Option(names = {"-v", "--verbose"}, description = "Print the stack trace of a failure.")
  boolean verbose;

  @Override
  public Integer call() {
    if (url != null && (duckdb != null || config != null)) {
      return usage("--duckdb and --config start local daemons: not with --url");
    }
    if (url == null && (transaction || statements.size() > 1)) {
      return usage((transaction ? "--transaction" : "several statements") + " need(s) --url (a Flight SQL server)");
    }
    if (!verbose) {
      // Flight's client logs a failed handshake with its stack trace; the one line below says it all
      LogFormat.silence("org.apache.arrow.flight.auth2.ClientHandshakeWrapper");
    }
    boolean stdoutIsTerminal = Terminal.stdout();
    Format chosen = format != null ? format : defaultFormat(stdoutIsTerminal);
    if (chosen.binary() && output == null && stdoutIsTerminal) {
      return usage("--format " + chosen + " writes binary data: give --output FILE or redirect stdout");
    }
    if (statements.size() > 1 && (output != null || chosen.binary())) {
      return usage("several statements write their results one after the other, as text: not with --output"
          + " or --format " + chosen);
    }
    // progress only where it cannot mix with the result: a table is printed at the end
    boolean progress = Terminal.stderr() && (output != null || !stdoutIsTerminal || chosen == Format.table);
    try {
      if (url != null) {
        queryRemote(chosen, progress);
      } else {
        queryLocal(chosen, progress);
      }
      return 0;
    } catch (Exception e) {
      if (find(e, BrokenPipe.class) != null) {
        return 0; // the reader of our output had enough (| head)
      }
      if (verbose) {
        e.printStackTrace();
        System.err.println("kapu query: " + describe(e));
      } else {
        System.err.println("kapu query: " + firstLine(describe(e)));
      }
      return 1;
    }
  }

  private Format defaultFormat(boolean stdoutIsTerminal) {
    if (output != null) {
      String name = output.getFileName().toString().toLowerCase(Locale.ROOT);
      for (Format f : Format.values()) {
        if (name.endsWith("." + f)) {
          return f;
        }
      }
      if (name.endsWith(".feather") || name.endsWith(".ipc")) {
        return Format.arrow;
      }
      return Format.csv;
    }
    return stdoutIsTerminal ? Format.table : Format.csv;
  }

  private static int usage(String message) {
    System.err.println("kapu query: " + message);
    return 2;
  }

  private void queryRemote(Format chosen, boolean progress) throws Exception {
    String secret = password(password);
    try (BufferAllocator allocator = new RootAllocator();
        RemoteSql remote = RemoteSql.connect(url, user, secret, trustCert, allocator)) {
      if (catalog != null) {
        remote.catalog(catalog);
      }
      if (chosen == Format.arrow) {
        remote.keepDictionaries(); // an Arrow file keeps an ENUM encoded; the other formats show values
      }
      if (!transaction) {
        for (String sql : statements) {
          run(remote, sql, chosen, allocator, progress);
        }
        return;
      }
      try (RemoteSql.Transaction t = remote.begin()) { // closed before the commit: rolled back
        for (int i = 0; i < statements.size(); i++) {
          try {
            run(t, statements.get(i), chosen, allocator, progress);
          } catch (Exception e) {
            System.err.println("kapu query: statement " + (i + 1) + " of " + statements.size()
                + " failed; the transaction is rolled back");
            throw e;
          }
        }
        t.commit();
      }
    }
  }

  /** Runs one statement; a query's result is written, an update says what it did. */
  private void run(RemoteStatements remote, String sql, Format chosen, BufferAllocator allocator, boolean progress)
      throws Exception {
    if (remote.returnsRows(sql)) {
      write(chosen, remote.query(sql), allocator, progress);
    } else { // CREATE, INSERT, ...: nothing to format, say what it did
      long changed = remote.update(sql);
      System.out.println(changed < 0 ? "done" : changed + (changed == 1 ? " row" : " rows") + " changed");
    }
  }

  /** The password given, else KAPU_PASSWORD's, else null (no handshake). */
  private static String password(String given) {
    if (given != null) {
      return given;
    }
    String fromEnvironment = System.getenv("KAPU_PASSWORD");
    return fromEnvironment != null && !fromEnvironment.isEmpty() ? fromEnvironment : null;
  }

  private void queryLocal(Format chosen, boolean progress) throws Exception {
    Kapu.Builder builder = Kapu.builder().daemons(daemons);
    if (config != null) {
      builder.config(config);
    } else {
      builder.resource(ResourceSpec.replicated("duckdb", "duckdb",
          duckdb == null ? Map.of() : Map.of("path", duckdb.toAbsolutePath().toString())));
    }
    try (Kapu kapu = builder.local()) {
      write(chosen, kapu.query(catalog != null ? catalog : "duckdb", statements.get(0)), kapu.allocator(), progress);
    }
  }

  /** Writes the result where it goes, and closes it. */
  private void write(Format chosen, ArrowReader result, BufferAllocator allocator, boolean progress) throws Exception {
    try (ProgressReader reader = new ProgressReader(result, progress ? System.err : null)) {
      if (output == null) {
        OutputStream stdout = new BrokenPipe.Guard(new FileOutputStream(FileDescriptor.out));
        if (chosen == Format.parquet) { // DuckDB writes files: through one, then to the pipe
          Path file = Files.createTempFile("kapu-query", ".parquet");
          try {
            ResultWriters.parquet(reader, allocator, file);
            Files.copy(file, stdout);
            stdout.flush();
          } finally {
            Files.deleteIfExists(file);
          }
        } else {
          write(chosen, reader, new BufferedOutputStream(stdout, 1 << 16));
        }
        return;
      }
      Path target = output.toAbsolutePath();
      Path partial = target.resolveSibling("." + target.getFileName() + "." + ProcessHandle.current().pid() + ".partial");
      Files.deleteIfExists(partial);
      try {
        if (chosen == Format.parquet) {
          ResultWriters.parquet(reader, allocator, partial);
        } else {
          try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(partial), 1 << 16)) {
            write(chosen, reader, file);
          }
        }
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(partial);
      }
    }
  }

  private void write(Format chosen, ArrowReader reader, OutputStream out) throws IOException {
    switch (chosen) {
      case table -> ResultWriters.table(reader, new PrintStream(out, false, StandardCharsets.UTF_8), maxRows);
      case csv -> ResultWriters.csv(reader, out);
      case json -> ResultWriters.json(reader, out);
      case arrow -> ResultWriters.arrow(reader, out);
      default -> throw new IllegalStateException("not a stream format: " + chosen);
    }
    out.flush();
  }

  /** One line that says what went wrong, without the layers of wrapping around it. */
  private String describe(Throwable e) {
    FlightRuntimeException flight = find(e, FlightRuntimeException.class);
    if (flight != null) {
      String description = flight.status().description();
      String where = url != null ? url.toString() : "the local daemons";
      switch (flight.status().code()) {
        case UNAUTHENTICATED:
          return password(password) == null
              ? "the server wants a user name and password: set KAPU_PASSWORD (or --password)"
              : "the server refused user '" + user + "' and its password"
                  + (description == null || description.isEmpty() ? "" : " (" + description + ")");
        case UNAVAILABLE:
          Throwable root = e;
          while (root.getCause() != null) {
            root = root.getCause();
          }
          return "cannot reach " + where + ": " + description
              + (root != flight && root.getMessage() != null ? " (" + root.getMessage() + ")" : "");
        default:
          return description != null && !description.isEmpty() ? description : flight.toString();
      }
    }
    Throwable shown = e;
    while (shown.getMessage() == null && shown.getCause() != null) {
      shown = shown.getCause();
    }
    return shown.getMessage() != null ? shown.getMessage() : shown.toString();
  }

  /**
   * The first line, without the exception class names servers put in front of a database's
   * message ({@code java.sql.SQLException: Catalog Error: ...}); {@code --verbose} shows it all.
   */
  private static String firstLine(String message) {
    String line = message.lines().findFirst().orElse(message);
    return line.replaceFirst("^([\\w$]+\\.)+[\\w$]*(Exception|Error): ", "");
  }

  private static <T extends Throwable> T find(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  /** Thrown when stdout's reader went away: the end of the output, not a failure. */
  static final class BrokenPipe extends IOException {
    BrokenPipe(IOException cause) {
      super("broken pipe", cause);
    }

    /** Stdout, turning a write into a closed pipe into {@link BrokenPipe}. */
    static final class Guard extends java.io.FilterOutputStream {
      Guard(OutputStream out) {
        super(out);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        try {
          out.write(b, off, len);
        } catch (IOException e) {
          throw "Broken pipe".equals(e.getMessage()) ? new BrokenPipe(e) : e;
        }
      }

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void close() {
        // stdout stays open for whatever else this JVM prints
      }
    }
  }
}
