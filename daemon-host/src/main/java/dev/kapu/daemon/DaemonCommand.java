package dev.kapu.daemon;

import dev.kapu.api.Endpoint;
import dev.kapu.api.KapuConfig;
import dev.kapu.api.spi.DaemonOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code kapu daemon}: one worker process. Exits 0 when it leaves by a limit or a clean close. */
@Command(
    name = "daemon",
    mixinStandardHelpOptions = true,
    description = "Run a Kapu daemon: dial a dispatcher and run the tasks it sends.")
public final class DaemonCommand implements Callable<Integer> {

  @Option(names = "--url", required = true, description = "Dispatcher URL, grpc://host:port or grpc+tls://host:port.")
  String url;

  @Option(names = "--token-file", description = "File holding the token (else the KAPU_TOKEN environment variable).")
  Path tokenFile;

  @Option(names = "--trust-cert", description = "PEM certificate to trust for grpc+tls (a self-signed server's).")
  Path trustCertificate;

  @Option(names = "--id", description = "Name of this daemon (default host:pid).")
  String id;

  @Option(names = "--slots", defaultValue = "1", description = "Tasks run at once (default ${DEFAULT-VALUE}).")
  int slots;

  @Option(names = "--idle-seconds", defaultValue = "0", description = "Leave after this long idle; 0 = never.")
  double idleSeconds;

  @Option(names = "--wall-seconds", defaultValue = "0", description = "Leave after this long in all; 0 = never.")
  double wallSeconds;

  @Option(names = "--max-tasks", defaultValue = "0", description = "Leave after this many tasks; 0 = no limit.")
  long maxTasks;

  @Option(names = "--config", description = "A kapu.yaml whose resources this daemon opens and hosts.")
  Path config;

  @Option(names = "--allow", description = "Add a pattern (com.acme.**) to the deserialization allow-list; repeatable.")
  List<String> allow = new ArrayList<>();

  @Option(names = "--classpath", split = ":", paramLabel = "PATH",
      description = "Jars and class directories added to this daemon's class path (':'-separated; repeatable):"
          + " the application's code, when sessions do not ship it.")
  List<Path> classpath = new ArrayList<>();

  @Option(names = "--no-shipped-code", description = "Refuse code that sessions ship: tasks run only what this"
      + " daemon's class path and --classpath hold.")
  boolean noShippedCode;

  @Option(names = "--code-cache", paramLabel = "DIR", description = "Where shipped code is cached, shared by the"
      + " daemons of this host (default ~/.cache/kapu/code).")
  Path codeCache;

  @Override
  public Integer call() throws IOException {
    String token = tokenFile != null
        ? Files.readString(tokenFile, StandardCharsets.UTF_8).strip()
        : System.getenv("KAPU_TOKEN");
    if (token == null || token.isEmpty()) {
      System.err.println("kapu daemon: no token: pass --token-file or set KAPU_TOKEN");
      return 2;
    }
    Endpoint endpoint = new Endpoint(URI.create(url), token, trustCertificate);
    DaemonOptions options = new DaemonOptions(endpoint, id, slots, seconds(idleSeconds),
        seconds(wallSeconds), maxTasks, allow, DaemonOptions.DEFAULT_STOP_GRACE,
        config != null ? KapuConfig.readResources(config) : List.of(), true,
        new DaemonOptions.Code(classpath, !noShippedCode, codeCache));
    Daemon daemon;
    try {
      daemon = Daemon.start(options);
    } catch (RuntimeException e) {
      System.err.println("kapu daemon: " + e.getMessage());
      return 3;
    }
    Daemon.Exit exit = daemon.awaitExit();
    if (!exit.clean()) {
      System.err.println("kapu daemon: " + exit.reason());
      return 1;
    }
    return 0;
  }

  private static Duration seconds(double s) {
    return Duration.ofMillis(Math.round(s * 1000));
  }

  /** Entry point used when daemons are launched directly (no CLI dispatch). */
  public static void main(String[] args) {
    System.exit(new CommandLine(new DaemonCommand()).execute(args));
  }
}
