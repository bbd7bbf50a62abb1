package dev.kapu.client.launch;

/**
 * Starts workers somewhere: local processes, SSH hosts, a batch scheduler. A controller calls
 * {@link #launch} with every worker it needs at once, so a scheduler can submit one job array,
 * and later asks the returned {@link Launch} which workers ended and stops the ones it gives up
 * on. Workers dial the dispatcher themselves and leave on their own when idle; a launcher only
 * starts them and, when asked, stops them.
 *
 * <p>Built in: {@link LocalLauncher}, {@link SshLauncher}, {@link SlurmLauncher}, {@link
 * SgeLauncher} and {@link CommandLauncher}. Others plug in through {@link LauncherProvider} and
 * {@link java.util.ServiceLoader}; {@link Launchers#create} finds them by name.
 */
public interface Launcher extends AutoCloseable {

  /** A short name for summaries and logs, like {@code "slurm"}. */
  String name();

  /**
   * Starts the workers of {@code request}. Returns once they are submitted, not connected.
   *
   * @throws LaunchException if nothing could be started
   */
  Launch launch(LaunchRequest request);

  /**
   * Whether the workers it starts have this JVM's classes (they run from its class path, on this
   * machine): then a session need not ship its code to them. False by default.
   */
  default boolean sharesClassPath() {
    return false;
  }

  /** Releases what the launcher holds itself; workers are stopped through their {@link Launch}. */
  @Override
  default void close() {}
}
