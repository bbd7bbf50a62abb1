package dev.kapu.client.launch;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Workers on other machines over SSH (OpenSSH's {@code ssh}, non-interactive: keys or an agent).
 * Workers go to the hosts in turn. The token travels on the session's standard input into the
 * worker's {@code KAPU_TOKEN} variable, so it is on no command line and no disk; with TLS the
 * certificate to trust, and the controller's resource config if it has one, follow it into a
 * private temporary directory. The remote machine needs a Java
 * and the class path ({@link Builder#java}, {@link Builder#classpath}; by default this JVM's
 * paths, right for a shared file system or for localhost).
 *
 * <p>With {@link Builder#reverseTunnel}, each session forwards a port on the remote host back to
 * the dispatcher ({@code ssh -R}), and the worker dials that port on its own loopback: for hosts
 * that cannot reach this machine, or to keep the dispatcher on 127.0.0.1.
 *
 * <p>Stopping a worker kills its remote process (its pid is the first line the session prints)
 * and then the local {@code ssh}.
 */
public final class SshLauncher implements Launcher {
  private static final Pattern PID_LINE = Pattern.compile("^KAPU_WORKER_PID=(\\d+)$", Pattern.MULTILINE);

  private final List<String> hosts;
  private final String ssh;
  private final Integer port;
  private final Path identityFile;
  private final List<String> options;
  private final String java;
  private final String classpath;
  private final int tunnelPort;
  private final int tunnelPorts;
  private final AtomicInteger nextHost = new AtomicInteger();
  private final Map<String, AtomicInteger> nextTunnel = new ConcurrentHashMap<>();

  private SshLauncher(Builder b) {
    this.hosts = List.copyOf(b.hosts);
    this.ssh = b.ssh;
    this.port = b.port;
    this.identityFile = b.identityFile;
    this.options = List.copyOf(b.options);
    this.java = b.java;
    this.classpath = b.classpath;
    this.tunnelPort = b.tunnelPort;
    this.tunnelPorts = b.tunnelPorts;
    if (hosts.isEmpty()) {
      throw new IllegalArgumentException("the SSH launcher needs at least one host");
    }
  }

  /** Workers on these hosts ({@code host} or {@code user@host}), in turn. */
  public static Builder builder(String... hosts) {
    return new Builder().hosts(List.of(hosts));
  }

  @Override
  public String name() {
    return "ssh";
  }

  /** The {@code ssh} words before the destination: port, key, options. */
  private List<String> sshPrefix() {
    List<String> c = new ArrayList<>();
    c.add(ssh);
    if (port != null) {
      c.addAll(List.of("-p", port.toString()));
    }
    if (identityFile != null) {
      c.addAll(List.of("-i", identityFile.toString(), "-o", "IdentitiesOnly=yes"));
    }
    c.addAll(List.of("-o", "BatchMode=yes", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4"));
    for (String o : options) {
      c.addAll(List.of("-o", o));
    }
    return c;
  }

  @Override
  public Launch launch(LaunchRequest request) {
    SshLaunch launch = new SshLaunch(request.workerIds());
    WorkerCommand base = request.command().withTokenFile(null);
    if (java != null) {
      base = base.withJava(java);
    }
    if (classpath != null) {
      base = base.withClasspath(classpath);
    }
    byte[] certificate = read(base.trustCertificate(), "the certificate to hand to workers");
    byte[] config = read(base.config(), "the resource config to hand to workers");
    String token = request.command().readToken();
    for (String id : request.workerIds()) {
      String host = hosts.get(Math.floorMod(nextHost.getAndIncrement(), hosts.size()));
      List<String> argv = sshPrefix();
      WorkerCommand command = base;
      if (tunnelPort > 0) {
        URI url = base.url();
        int remote = tunnelPort + Math.floorMod(
            nextTunnel.computeIfAbsent(host, h -> new AtomicInteger()).getAndIncrement(), tunnelPorts);
        argv.addAll(List.of("-o", "ExitOnForwardFailure=yes",
            "-R", remote + ":" + url.getHost() + ":" + url.getPort()));
        command = command.withUrl(URI.create(url.getScheme() + "://127.0.0.1:" + remote));
      }
      argv.add(host);
      argv.add("sh -c " + Shell.quote(remoteScript(command, id, certificate != null, config != null)));
      Path log = request.logFile(id);
      try {
        Process p = new ProcessBuilder(argv)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
        launch.add(id, p, log);
        launch.hosts.put(id, host);
        try (OutputStream in = p.getOutputStream()) {
          in.write(stdin(token, certificate, config));
        } catch (IOException e) {
          // ssh exited already; ended() reports it with the log
        }
      } catch (IOException e) {
        if (launch.processes.isEmpty()) {
          throw new LaunchException("cannot run " + ssh + ": " + e.getMessage(), e);
        }
      }
    }
    return launch;
  }

  private static byte[] read(Path file, String what) {
    if (file == null) {
      return null;
    }
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new LaunchException("cannot read " + what + " (" + file + "): " + e.getMessage(), e);
    }
  }

  /** Stand for files the remote script writes, while the command line is built. */
  private static final String CERT_PLACEHOLDER = "/kapu-placeholder/trust.pem";
  private static final String CONFIG_PLACEHOLDER = "/kapu-placeholder/kapu.yaml";

  /**
   * What the session reads on its standard input: the token, then the certificate and the
   * resource config (base64, one line each, only those the worker needs).
   */
  private static byte[] stdin(String token, byte[] certificate, byte[] config) {
    StringBuilder in = new StringBuilder(token).append('\n');
    if (certificate != null) {
      in.append(Base64.getEncoder().encodeToString(certificate)).append('\n');
    }
    if (config != null) {
      in.append(Base64.getEncoder().encodeToString(config)).append('\n');
    }
    return in.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The script the remote shell runs: print its pid, read the token into the environment (and
   * the certificate and config into a private temporary directory), then become the worker.
   */
  private static String remoteScript(WorkerCommand command, String id, boolean certificate, boolean config) {
    StringBuilder s = new StringBuilder(
        "echo KAPU_WORKER_PID=$$ && IFS= read -r KAPU_TOKEN && export KAPU_TOKEN && ");
    if (certificate || config) {
      s.append("umask 077 && KAPU_DIR=$(mktemp -d) && ");
    }
    if (certificate) {
      s.append("IFS= read -r KAPU_FILE && printf %s \"$KAPU_FILE\" | base64 -d > \"$KAPU_DIR/trust.pem\" && ");
      command = command.withTrustCertificate(Path.of(CERT_PLACEHOLDER));
    }
    if (config) {
      s.append("IFS= read -r KAPU_FILE && printf %s \"$KAPU_FILE\" | base64 -d > \"$KAPU_DIR/kapu.yaml\" && ");
      command = command.withConfig(Path.of(CONFIG_PLACEHOLDER));
    }
    s.append("exec");
    for (String word : command.argv(id)) {
      String w = switch (word) {
        case CERT_PLACEHOLDER -> "\"$KAPU_DIR/trust.pem\"";
        case CONFIG_PLACEHOLDER -> "\"$KAPU_DIR/kapu.yaml\"";
        default -> Shell.quote(word);
      };
      s.append(' ').append(w);
    }
    return s.toString();
  }

  private final class SshLaunch extends ProcessLaunch {
    final Map<String, String> hosts = new ConcurrentHashMap<>();

    SshLaunch(List<String> ids) {
      super(ids);
    }

    @Override
    String describeExit(int code) {
      return code == 255
          ? "its SSH session failed (ssh exited with 255)"
          : "its SSH session ended with code " + code;
    }

    /** The worker's pid on its host, once the session has printed it. */
    Optional<Long> remotePid(String workerId) {
      Path log = logs.get(workerId);
      if (log == null) {
        return Optional.empty();
      }
      try {
        Matcher m = PID_LINE.matcher(Files.readString(log, StandardCharsets.UTF_8));
        return m.find() ? Optional.of(Long.parseLong(m.group(1))) : Optional.empty();
      } catch (IOException | RuntimeException e) {
        return Optional.empty();
      }
    }

    @Override
    public void terminate(String workerId) {
      terminate(List.of(workerId));
    }

    @Override
    public void terminateAll() {
      terminate(workerIds());
    }

    /** One {@code kill} per host for the workers whose sessions still run, then the sessions. */
    private void terminate(List<String> ids) {
      Map<String, List<String>> pidsByHost = new LinkedHashMap<>();
      List<Process> sessions = new ArrayList<>();
      for (String id : ids) {
        Process p = processes.get(id);
        if (p == null || !p.isAlive()) {
          continue;
        }
        sessions.add(p);
        remotePid(id).ifPresent(pid ->
            pidsByHost.computeIfAbsent(hosts.get(id), h -> new ArrayList<>()).add(pid.toString()));
      }
      List<Process> kills = new ArrayList<>();
      pidsByHost.forEach((host, pids) -> {
        List<String> argv = sshPrefix();
        argv.add(host);
        argv.add("kill " + String.join(" ", pids));
        try {
          kills.add(new ProcessBuilder(argv).redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        } catch (IOException e) {
          // the worker still leaves when the dispatcher closes or it idles
        }
      });
      for (Process k : kills) {
        try {
          if (!k.waitFor(15, TimeUnit.SECONDS)) {
            k.destroyForcibly();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      sessions.forEach(p -> destroyTree(p.toHandle()));
    }
  }

  public static final class Builder {
    private final List<String> hosts = new ArrayList<>();
    private String ssh = "ssh";
    private Integer port;
    private Path identityFile;
    private final List<String> options = new ArrayList<>();
    private String java;
    private String classpath;
    private int tunnelPort;
    private int tunnelPorts = 1;

    private Builder() {}

    public Builder hosts(List<String> hosts) {
      this.hosts.addAll(hosts);
      return this;
    }

    /** The {@code ssh} program (default {@code ssh} on the PATH). */
    public Builder ssh(String program) {
      this.ssh = Objects.requireNonNull(program);
      return this;
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** The private key to log in with ({@code ssh -i}); else ssh's defaults and agent. */
    public Builder identityFile(Path key) {
      this.identityFile = key;
      return this;
    }

    /**
     * An {@code ssh -o} option, for example {@code StrictHostKeyChecking=accept-new} or {@code
     * UserKnownHostsFile=/path/known_hosts}.
     */
    public Builder option(String keyEqualsValue) {
      this.options.add(keyEqualsValue);
      return this;
    }

    /** The {@code java} binary on the hosts (default: this JVM's path). */
    public Builder java(String java) {
      this.java = java;
      return this;
    }

    /** The class path on the hosts (default: this JVM's). */
    public Builder classpath(String classpath) {
      this.classpath = classpath;
      return this;
    }

    /**
     * Workers dial the dispatcher through {@code ssh -R}: the first session to a host forwards
     * remote port {@code firstPort}, the next {@code firstPort + 1}, and so on for {@code ports}
     * ports, then round again (a port still taken fails that launch, which the controller repeats).
     */
    public Builder reverseTunnel(int firstPort, int ports) {
      if (firstPort < 1 || ports < 1 || firstPort + ports > 65536) {
        throw new IllegalArgumentException("tunnel ports must lie within 1..65535");
      }
      this.tunnelPort = firstPort;
      this.tunnelPorts = ports;
      return this;
    }

    public SshLauncher build() {
      return new SshLauncher(this);
    }
  }

  /**
   * {@code ssh}: {@code hosts} (comma-separated, required), {@code port}, {@code identity},
   * {@code options} (semicolon-separated {@code Key=Value}), {@code java}, {@code classpath},
   * {@code tunnel-port} and {@code tunnel-ports}.
   */
  public static final class Provider implements LauncherProvider {
    @Override
    public String name() {
      return "ssh";
    }

    @Override
    public Launcher create(Map<String, String> settings) {
      Settings s = new Settings("ssh", settings);
      Builder b = new Builder().hosts(s.list("hosts", ","));
      Integer port = s.integer("port");
      if (port != null) {
        b.port(port);
      }
      String identity = s.get("identity");
      if (identity != null) {
        b.identityFile(Path.of(identity));
      }
      s.list("options", ";").forEach(b::option);
      b.java(s.get("java")).classpath(s.get("classpath"));
      Integer tunnel = s.integer("tunnel-port");
      Integer tunnels = s.integer("tunnel-ports");
      if (tunnel != null) {
        b.reverseTunnel(tunnel, tunnels == null ? 1 : tunnels);
      }
      s.done();
      return b.build();
    }
  }
}
