package dev.kapu.client.cli;

import dev.kapu.api.ControllerConfig;
import dev.kapu.client.launch.Launcher;
import dev.kapu.client.launch.Launchers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How {@code kapu serve} launches daemons on demand: a kapu.yaml's {@code controller:} section,
 * with the command line's flags over it ({@code --controller}, {@code --launcher-setting},
 * {@code --max-workers}, {@code --idle-seconds}, {@code --slots}), and the launcher made from them,
 * so that a wrong setting is refused before anything starts.
 *
 * @param launcherName the launcher's name, for the banner
 * @param launcher made from the merged settings
 * @param directory where the controller keeps its files; null for the system's temporary directory
 */
record ServeController(String launcherName, Launcher launcher, int maxWorkers, Duration idle, int slots,
    Duration launchTimeout, Path directory, List<String> jvmOptions) {

  static final int DEFAULT_MAX_WORKERS = 2;
  static final long DEFAULT_IDLE_SECONDS = 60;
  static final int DEFAULT_SLOTS = 4;
  static final long DEFAULT_LAUNCH_TIMEOUT_SECONDS = 60;

  /** The command line's say in it; null where a flag is not given. */
  record Flags(String launcher, Map<String, String> settings, Integer maxWorkers, Long idleSeconds, Integer slots) {
    Flags {
      settings = settings == null ? Map.of() : settings;
    }

    private boolean tuneAController() {
      return !settings.isEmpty() || maxWorkers != null || idleSeconds != null;
    }
  }

  /**
   * The controller {@code flags} and {@code file} (the config's section, if any) ask for, or empty
   * when neither does and {@code kapu serve} runs a fixed number of daemons.
   *
   * @param config the kapu.yaml's path, for messages
   */
  static Optional<ServeController> of(Flags flags, Optional<ControllerConfig> file, Path config) throws ServeRefusal {
    if (flags.launcher() == null && file.isEmpty()) {
      if (flags.tuneAController()) {
        throw new ServeRefusal("--max-workers, --idle-seconds and --launcher-setting need --controller"
            + " LAUNCHER or a controller: section in --config kapu.yaml");
      }
      return Optional.empty();
    }
    ControllerConfig merged = merge(flags, file.orElse(null), config);
    Launcher launcher;
    try {
      launcher = Launchers.create(merged.launcher(), merged.settings());
    } catch (IllegalArgumentException e) { // an unknown launcher, an unknown or malformed setting
      throw new ServeRefusal(source(flags, file, config) + ": " + e.getMessage());
    }
    return Optional.of(new ServeController(merged.launcher(), launcher, merged.maxWorkers(),
        Duration.ofSeconds(merged.idleSeconds()), merged.slots(), Duration.ofSeconds(merged.launchTimeoutSeconds()),
        merged.directory(), merged.jvmOptions()));
  }

  /**
   * The file's section with the flags over it and defaults under both. Settings merge key by key;
   * a {@code --controller} naming another launcher than the file's cannot take the file's settings.
   */
  static ControllerConfig merge(Flags flags, ControllerConfig file, Path config) throws ServeRefusal {
    Map<String, String> settings = new LinkedHashMap<>();
    if (file != null) {
      if (flags.launcher() != null && !flags.launcher().equals(file.launcher()) && !file.settings().isEmpty()) {
        throw new ServeRefusal("--controller " + flags.launcher() + " replaces the " + file.launcher()
            + " launcher of " + config + ", whose settings are for " + file.launcher()
            + ": remove them there or drop --controller");
      }
      settings.putAll(file.settings());
    }
    settings.putAll(flags.settings());
    ControllerConfig f = file != null ? file : new ControllerConfig(null, null, null, null, null, null, null, null);
    ControllerConfig merged = new ControllerConfig(
        flags.launcher() != null ? flags.launcher() : f.launcher(),
        settings,
        first(flags.maxWorkers(), f.maxWorkers(), DEFAULT_MAX_WORKERS),
        first(flags.idleSeconds(), f.idleSeconds(), DEFAULT_IDLE_SECONDS),
        first(flags.slots(), f.slots(), DEFAULT_SLOTS),
        first(null, f.launchTimeoutSeconds(), DEFAULT_LAUNCH_TIMEOUT_SECONDS),
        f.directory(),
        f.jvmOptions());
    if (merged.maxWorkers() < 1) {
      throw new ServeRefusal("--max-workers must be at least 1");
    }
    if (merged.idleSeconds() < 0) {
      throw new ServeRefusal("--idle-seconds must not be negative");
    }
    if (merged.slots() < 1) {
      throw new ServeRefusal("--slots must be at least 1");
    }
    return merged;
  }

  private static <T> T first(T flag, T file, T otherwise) {
    return flag != null ? flag : file != null ? file : otherwise;
  }

  /** Where the launcher's settings came from, for its refusals. */
  private static String source(Flags flags, Optional<ControllerConfig> file, Path config) {
    if (file.isEmpty()) {
      return "--controller " + flags.launcher();
    }
    return config + " controller" + (flags.settings().isEmpty() ? "" : " (with --launcher-setting)");
  }

  /** The daemons in words, for the banner. */
  String describe() {
    return "daemons launched on demand by the " + launcherName + " launcher (at most " + maxWorkers
        + ", leaving after " + idle.toSeconds() + " s idle)";
  }
}
