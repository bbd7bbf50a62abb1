package dev.kapu.client.launch;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Launches each worker by running a command template with {@code /bin/sh -c}: for schedulers and
 * clouds Kapu has no plugin for. Placeholders, each replaced by one shell-quoted word:
 *
 * <ul>
 *   <li>{@code {command}} the whole worker command line (several words, each quoted)
 *   <li>{@code {id}} the worker's name; {@code {url}} the dispatcher; {@code {token_file}} the
 *       token file (a path, never the token); {@code {trust_cert}} the certificate to trust, or
 *       an empty word without TLS; {@code {log}} a log file for it; {@code {directory}} the
 *       controller's directory
 * </ul>
 *
 * <p>For example {@code exec nice -n 10 {command}}, or {@code mysubmit --name {id} -- {command}}.
 * A template that keeps running while the worker runs (use {@code exec}) can be stopped by the
 * controller; one that hands the worker to a system and returns needs a terminate template, run
 * the same way with {@code {id}} (and {@code {pid}}, the launch process's). A launch process that
 * exits with a non-zero code counts as a worker that ended; one that exits 0 leaves the verdict
 * to the controller's connect window.
 */
public final class CommandLauncher implements Launcher {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z_]+)}");

  private final String launchTemplate;
  private final String terminateTemplate;

  /**
   * @param launchTemplate run once per worker
   * @param terminateTemplate run to stop a worker; null to stop the launch process and its
   *     children instead
   */
  public CommandLauncher(String launchTemplate, String terminateTemplate) {
    this.launchTemplate = Objects.requireNonNull(launchTemplate, "launchTemplate");
    this.terminateTemplate = terminateTemplate;
    // Refuse unknown placeholders now rather than at the first launch.
    expand(launchTemplate, Map.of("command", "", "id", "", "url", "", "token_file", "", "trust_cert", "",
        "log", "", "directory", ""));
    if (terminateTemplate != null) {
      expand(terminateTemplate, Map.of("id", "", "pid", "", "directory", ""));
    }
  }

  public CommandLauncher(String launchTemplate) {
    this(launchTemplate, null);
  }

  @Override
  public String name() {
    return "command";
  }

  @Override
  public Launch launch(LaunchRequest request) {
    WorkerCommand command = request.command();
    CommandLaunch launch = new CommandLaunch(request);
    for (String id : request.workerIds()) {
      Path log = request.logFile(id);
      Map<String, String> values = new LinkedHashMap<>();
      values.put("command", command.shellCommand(id));
      values.put("id", Shell.quote(id));
      values.put("url", Shell.quote(command.url().toString()));
      values.put("token_file", Shell.quote(command.tokenFile() == null ? "" : command.tokenFile().toString()));
      values.put("trust_cert", Shell.quote(command.trustCertificate() == null ? "" : command.trustCertificate().toString()));
      values.put("log", Shell.quote(log.toString()));
      values.put("directory", Shell.quote(request.directory().toString()));
      try {
        Process p = new ProcessBuilder("/bin/sh", "-c", expand(launchTemplate, values))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .directory(request.directory().toFile())
            .start();
        launch.add(id, p, log);
      } catch (IOException e) {
        if (launch.processes.isEmpty()) {
          throw new LaunchException("cannot run the launch command: " + e.getMessage(), e);
        }
      }
    }
    return launch;
  }

  private final class CommandLaunch extends ProcessLaunch {
    private final LaunchRequest request;

    CommandLaunch(LaunchRequest request) {
      super(request.workerIds());
      this.request = request;
    }

    @Override
    public Optional<String> ended(String workerId) {
      Process p = processes.get(workerId);
      if (p != null && !p.isAlive() && p.exitValue() == 0) {
        return Optional.empty(); // handed the worker on; the connect window decides
      }
      return super.ended(workerId);
    }

    @Override
    String describeExit(int code) {
      return "its launch command exited with code " + code;
    }

    @Override
    public void terminate(String workerId) {
      if (terminateTemplate == null) {
        super.terminate(workerId);
        return;
      }
      Process p = processes.get(workerId);
      String pid = p == null ? "" : Long.toString(p.pid());
      String line = expand(terminateTemplate, Map.of("id", Shell.quote(workerId), "pid", Shell.quote(pid),
          "directory", Shell.quote(request.directory().toString())));
      try {
        Process t = new ProcessBuilder("/bin/sh", "-c", line)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(request.logFile(workerId).toFile()))
            .start();
        if (!t.waitFor(30, TimeUnit.SECONDS)) {
          t.destroyForcibly();
        }
      } catch (IOException e) {
        // the worker still leaves when the dispatcher closes or it idles
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static String expand(String template, Map<String, String> values) {
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String v = values.get(m.group(1));
      if (v == null) {
        throw new IllegalArgumentException("unknown placeholder {" + m.group(1) + "} in '" + template
            + "'; known: " + values.keySet());
      }
      m.appendReplacement(out, Matcher.quoteReplacement(v));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** {@code command}: settings {@code launch} (required) and {@code terminate}. */
  public static final class Provider implements LauncherProvider {
    @Override
    public String name() {
      return "command";
    }

    @Override
    public Launcher create(Map<String, String> settings) {
      Settings s = new Settings("command", settings);
      String launch = s.get("launch");
      String terminate = s.get("terminate");
      s.done();
      if (launch == null) {
        throw new IllegalArgumentException("command launcher: the setting 'launch' is required");
      }
      return new CommandLauncher(launch, terminate);
    }
  }
}
