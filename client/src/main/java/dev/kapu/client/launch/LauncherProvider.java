package dev.kapu.client.launch;

import java.util.Map;

/**
 * Makes launchers of one kind from settings; found with {@link java.util.ServiceLoader} (list the
 * class in {@code META-INF/services/dev.kapu.client.launch.LauncherProvider}).
 */
public interface LauncherProvider {

  /** The kind's name, for example {@code "slurm"}. */
  String name();

  /** A launcher configured by {@code settings}; unknown keys are errors. */
  Launcher create(Map<String, String> settings);
}
