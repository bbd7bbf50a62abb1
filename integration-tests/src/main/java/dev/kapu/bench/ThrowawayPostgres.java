package dev.kapu.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of its own for a test or a benchmark: a fresh cluster made with Debian's
 * {@code initdb} in a temporary directory, started with {@code pg_ctl} on a free port of
 * 127.0.0.1, with one database owned by one password-protected user. {@link #close()} stops it
 * ({@code pg_ctl stop -m fast}) and deletes the directory.
 *
 * <pre>{@code
 * try (ThrowawayPostgres pg = ThrowawayPostgres.start()) {
 *   DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
 * }
 * }</pre>
 *
 * <p>The binaries are found in {@code $KAPU_PG_BIN}, else {@code pg_config --bindir}, else the
 * newest {@code /usr/lib/postgresql/<version>/bin} (Debian's {@code postgresql} package, which
 * {@code .ci/setup-postgres.sh} installs). {@code initdb} refuses to run as root, so as root the
 * directory is given to the {@code postgres} user and every binary runs through {@code runuser -u
 * postgres --}. The cluster trades durability for speed (no fsync): it is thrown away.
 */
public final class ThrowawayPostgres implements AutoCloseable {
  private static final String SUPERUSER = "postgres";

  private final Path bin;
  private final Path directory;
  private final boolean root;
  private final int port;
  private final String database;
  private final String user;
  private final String password;
  private final Thread stopAtExit;
  private boolean closed;

  private ThrowawayPostgres(Path bin, Path directory, boolean root, int port, String database, String user,
      String password) {
    this.bin = bin;
    this.directory = directory;
    this.root = root;
    this.port = port;
    this.database = database;
    this.user = user;
    this.password = password;
    this.stopAtExit = new Thread(this::close, "stop throwaway postgres on " + port);
  }

  /** Whether PostgreSQL's server binaries are installed here. */
  public static boolean available() {
    return findBinaries() != null;
  }

  /** A server with database {@code kapu} owned by user {@code kapu} with a random password. */
  public static ThrowawayPostgres start() throws IOException, InterruptedException {
    byte[] secret = new byte[12];
    new SecureRandom().nextBytes(secret);
    return start("kapu", "kapu", HexFormat.of().formatHex(secret));
  }

  public static ThrowawayPostgres start(String database, String user, String password)
      throws IOException, InterruptedException {
    Path bin = findBinaries();
    if (bin == null) {
      throw new IllegalStateException("PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's"
          + " postgresql package (.ci/setup-postgres.sh does) or set KAPU_PG_BIN to their directory");
    }
    boolean root = "0".equals(output(List.of("id", "-u")).trim());
    // As root the postgres user must reach the directory: /tmp is open to everyone, $HOME may not be.
    Path base = root ? Path.of("/tmp") : Path.of(System.getProperty("java.io.tmpdir"));
    Path directory = Files.createTempDirectory(base, "kapu-pg-");
    ThrowawayPostgres server = null;
    try {
      Files.writeString(directory.resolve("pwfile"), password + "\n");
      if (root) {
        run(List.of("chown", "-R", SUPERUSER + ":" + SUPERUSER, directory.toString()));
      }
      IOException last = null;
      for (int attempt = 0; attempt < 5; attempt++) {
        server = new ThrowawayPostgres(bin, directory, root, freePort(), database, user, password);
        if (attempt == 0) {
          server.initdb();
        }
        try {
          server.startServer();
          last = null;
          break;
        } catch (IOException e) {
          last = e; // most likely another process took the port between choosing and binding it
        }
      }
      if (last != null) {
        throw last;
      }
      Runtime.getRuntime().addShutdownHook(server.stopAtExit);
      server.superuserSql("postgres",
          "CREATE ROLE " + identifier(user) + " LOGIN PASSWORD " + literal(password),
          "CREATE DATABASE " + identifier(database) + " OWNER " + identifier(user));
      return server;
    } catch (IOException | InterruptedException | RuntimeException e) {
      if (server != null) {
        server.stopQuietly();
      }
      deleteTree(directory);
      throw e;
    }
  }

  /** {@code jdbc:postgresql://127.0.0.1:<port>/<database>}. */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  public String user() {
    return user;
  }

  public String password() {
    return password;
  }

  /** This database as a {@code jdbc} resource named {@code name}, lines of a kapu.yaml's {@code resources:}. */
  public String kapuResource(String name) {
    return "  " + name + ":\n"
        + "    kind: jdbc\n"
        + "    options: { url: \"" + jdbcUrl() + "\", user: \"" + user() + "\", password: \"" + password() + "\" }\n";
  }

  public String database() {
    return database;
  }

  public int port() {
    return port;
  }

  /** Runs statements as the cluster's superuser in this server's database (setup, statistics). */
  public void sql(String... statements) throws IOException, InterruptedException {
    superuserSql(database, statements);
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(stopAtExit);
    } catch (IllegalStateException alreadyShuttingDown) {
      // the hook is running or has run
    }
    stopQuietly();
    deleteTree(directory);
  }

  @Override
  public String toString() {
    return "throwaway PostgreSQL at " + jdbcUrl() + " (" + directory + ")";
  }

  private void initdb() throws IOException, InterruptedException {
    run(asPostgres(List.of(bin.resolve("initdb").toString(), "-D", data().toString(), "-U", SUPERUSER,
        "--pwfile=" + directory.resolve("pwfile"), "--auth-local=trust", "--auth-host=scram-sha-256",
        "--encoding=UTF8", "--locale=C", "--no-sync")));
  }

  private void startServer() throws IOException, InterruptedException {
    String options = "-p " + port + " -h 127.0.0.1 -k " + directory + " -F"
        + " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200";
    try {
      run(asPostgres(List.of(bin.resolve("pg_ctl").toString(), "-D", data().toString(), "-l", log().toString(),
          "-w", "-t", "60", "-o", options, "start")));
    } catch (IOException e) {
      throw new IOException(e.getMessage() + "\nserver log:\n" + tail(log()), e);
    }
  }

  private void superuserSql(String db, String... statements) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(bin.resolve("psql").toString(), "-X", "-q", "-v",
        "ON_ERROR_STOP=1", "-h", directory.toString(), "-p", Integer.toString(port), "-U", SUPERUSER, "-d", db));
    for (String statement : statements) {
      command.add("-c");
      command.add(statement);
    }
    run(asPostgres(command));
  }

  private synchronized void stopQuietly() {
    if (!Files.isDirectory(data())) {
      return;
    }
    try {
      run(asPostgres(List.of(bin.resolve("pg_ctl").toString(), "-D", data().toString(), "-m", "fast", "-w",
          "-t", "30", "stop")));
    } catch (IOException | InterruptedException e) {
      // not running (never started, or already stopped)
    }
  }

  private Path data() {
    return directory.resolve("data");
  }

  private Path log() {
    return directory.resolve("server.log");
  }

  private List<String> asPostgres(List<String> command) {
    if (!root) {
      return command;
    }
    List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", SUPERUSER, "--"));
    wrapped.addAll(command);
    return wrapped;
  }

  private static Path findBinaries() {
    String configured = System.getenv("KAPU_PG_BIN");
    if (configured != null && !configured.isBlank()) {
      return hasServer(Path.of(configured)) ? Path.of(configured) : null;
    }
    try {
      Path fromConfig = Path.of(output(List.of("pg_config", "--bindir")).trim());
      if (hasServer(fromConfig)) {
        return fromConfig;
      }
    } catch (IOException | InterruptedException | RuntimeException e) {
      // no pg_config (it comes with libpq-dev, not the server): look where Debian puts servers
    }
    Path debian = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(debian)) {
      return null;
    }
    try (Stream<Path> versions = Files.list(debian)) {
      return versions.map(v -> v.resolve("bin")).filter(ThrowawayPostgres::hasServer)
          .max(Comparator.comparingInt(ThrowawayPostgres::majorVersion)).orElse(null);
    } catch (IOException e) {
      return null;
    }
  }

  private static int majorVersion(Path bin) {
    try {
      return Integer.parseInt(bin.getParent().getFileName().toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static boolean hasServer(Path bin) {
    return Files.isExecutable(bin.resolve("initdb")) && Files.isExecutable(bin.resolve("pg_ctl"))
        && Files.isExecutable(bin.resolve("psql"));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static String identifier(String name) {
    return "\"" + name.replace("\"", "\"\"") + "\"";
  }

  private static String literal(String text) {
    return "'" + text.replace("'", "''") + "'";
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    output(command);
  }

  /** Runs a command with the C locale; its output, or an error carrying it. */
  private static String output(List<String> command) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("LC_ALL", "C");
    builder.environment().remove("PGPASSWORD");
    Process process = builder.start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException(String.join(" ", command) + " did not finish in 120 s");
    }
    if (process.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed (exit " + process.exitValue() + "): "
          + output.strip());
    }
    return output;
  }

  private static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static void deleteTree(Path directory) {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(path);
      }
    } catch (IOException | UncheckedIOException e) {
      // a leftover in the temporary directory is not worth failing for
    }
  }
}
