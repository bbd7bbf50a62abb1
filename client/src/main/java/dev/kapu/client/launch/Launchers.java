package dev.kapu.client.launch;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.SortedSet;
import java.util.TreeSet;

/** Finds launchers by name through {@link LauncherProvider} and {@link ServiceLoader}. */
public final class Launchers {
  private Launchers() {}

  /**
   * A launcher of kind {@code name} ({@code local}, {@code ssh}, {@code slurm}, {@code sge},
   * {@code command}, or any provider on the class path).
   *
   * @throws IllegalArgumentException if no provider has that name, or a setting is wrong
   */
  public static Launcher create(String name, Map<String, String> settings) {
    for (LauncherProvider p : ServiceLoader.load(LauncherProvider.class, loader())) {
      if (p.name().equals(name)) {
        return p.create(settings);
      }
    }
    throw new IllegalArgumentException("no launcher named '" + name + "'; known: " + names());
  }

  /** The names of every launcher provider found. */
  public static SortedSet<String> names() {
    SortedSet<String> names = new TreeSet<>();
    for (LauncherProvider p : ServiceLoader.load(LauncherProvider.class, loader())) {
      names.add(p.name());
    }
    return names;
  }

  private static ClassLoader loader() {
    ClassLoader l = Thread.currentThread().getContextClassLoader();
    return l != null ? l : Launchers.class.getClassLoader();
  }
}
