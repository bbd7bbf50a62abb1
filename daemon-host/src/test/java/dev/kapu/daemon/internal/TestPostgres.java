package dev.kapu.daemon.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL cluster from Debian's binaries, for daemon-host's own tests: database
 * {@code kapu}, user {@code kapu}, password {@code secret}. A trimmed copy of
 * {@code dev.kapu.bench.ThrowawayPostgres} in integration-tests (which this module cannot depend on).
 */
final class TestPostgres implements AutoCloseable {
  static final String USER = "kapu";
  static final String PASSWORD = "secret";

  private final Path bin;
  private final Path dir;
  private final boolean root;
  private final int port;

  private TestPostgres(Path bin, Path dir, boolean root, int port) {
    this.bin = bin;
    this.dir = dir;
    this.root = root;
    this.port = port;
  }

  static TestPostgres start() throws Exception {
    Path bin = null;
    if (Files.isDirectory(Path.of("/usr/lib/postgresql"))) {
      try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
        bin = versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
            .max(Comparator.naturalOrder()).orElse(null);
      }
    }
    if (bin == null) {
      throw new IllegalStateException("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin:"
          + " run .ci/setup-postgres.sh (apt-get install postgresql)");
    }
    boolean root = "0".equals(run(List.of("id", "-u")).trim());
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "kapu-pg-test-");
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    TestPostgres pg = new TestPostgres(bin, dir, root, port);
    Files.writeString(dir.resolve("pw"), PASSWORD + "\n");
    if (root) {
      run(List.of("chown", "-R", "postgres:postgres", dir.toString()));
    }
    pg.pg("initdb", "-D", dir + "/data", "-U", "postgres", "--pwfile=" + dir.resolve("pw"), "--auth-local=trust",
        "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync");
    pg.pg("pg_ctl", "-D", dir + "/data", "-l", dir + "/log", "-w", "-o",
        "-p " + port + " -h 127.0.0.1 -k " + dir + " -F -c max_connections=100", "start");
    pg.sql("postgres", "CREATE ROLE kapu LOGIN PASSWORD '" + PASSWORD + "'", "CREATE DATABASE kapu OWNER kapu");
    return pg;
  }

  String url() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/kapu";
  }

  void sql(String database, String... statements) throws Exception {
    List<String> args = new ArrayList<>(List.of("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", dir.toString(),
        "-p", Integer.toString(port), "-U", "postgres", "-d", database));
    for (String statement : statements) {
      args.add("-c");
      args.add(statement);
    }
    pgAll(args.toArray(String[]::new));
  }

  @Override
  public void close() throws Exception {
    try {
      pg("pg_ctl", "-D", dir + "/data", "-m", "fast", "-w", "stop");
    } finally {
      try (Stream<Path> paths = Files.walk(dir)) {
        for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private void pg(String program, String... args) throws Exception {
    List<String> command = new ArrayList<>(root ? List.of("runuser", "-u", "postgres", "--") : List.of());
    command.add(bin.resolve(program).toString());
    command.addAll(List.of(args));
    run(command);
  }

  private void pgAll(String[] programAndArgs) throws Exception {
    pg(programAndArgs[0], java.util.Arrays.copyOfRange(programAndArgs, 1, programAndArgs.length));
  }

  private static String run(List<String> command) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("LC_ALL", "C");
    Process process = builder.start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + out);
    }
    return out;
  }
}
