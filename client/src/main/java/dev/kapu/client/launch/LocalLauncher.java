package dev.kapu.client.launch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Workers as processes on this machine. Each logs to {@code worker-<id>.log} in the controller's
 * directory and reads the token from the controller's token file.
 */
public final class LocalLauncher implements Launcher {

  @Override
  public String name() {
    return "local";
  }

  @Override
  public Launch launch(LaunchRequest request) {
    ProcessLaunch launch = new ProcessLaunch(request.workerIds());
    for (String id : request.workerIds()) {
      Path log = request.logFile(id);
      try {
        Process p = new ProcessBuilder(request.command().argv(id))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
        launch.add(id, p, log);
      } catch (IOException e) {
        if (launch.processes.isEmpty()) {
          throw new LaunchException("cannot start a worker process (" + request.command().java() + "): "
              + e.getMessage(), e);
        }
        // Some started: the rest count as ended, so the controller launches them again.
      }
    }
    return launch;
  }

  /** {@code local}: no settings. */
  public static final class Provider implements LauncherProvider {
    @Override
    public String name() {
      return "local";
    }

    @Override
    public Launcher create(Map<String, String> settings) {
      new Settings("local", settings).done();
      return new LocalLauncher();
    }
  }

  /** Its workers are processes of this machine started from this JVM's class path. */
  @Override
  public boolean sharesClassPath() {
    return true;
  }
}
