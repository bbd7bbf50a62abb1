package dev.kapu.api.spi;

import java.util.ServiceLoader;

/**
 * The daemon runtime, found on the class path with {@link ServiceLoader} as grpc-java finds its
 * transports. A program that only connects to a server never needs one; {@code Kapu.local(n)}
 * (daemon processes started from this class path) and {@code inProcess()} (daemons as threads of
 * this JVM) do: they are one dependency away, {@code dev.kapu:kapu-daemon-host}.
 */
public interface DaemonRuntime {

  /** The class whose {@code main} runs a daemon process ({@code kapu daemon}). */
  String mainClass();

  /** Starts a daemon as threads of this JVM; it dials the dispatcher at {@code options.endpoint()}. */
  RunningDaemon start(DaemonOptions options);

  /** A daemon running in this JVM. */
  interface RunningDaemon extends AutoCloseable {
    /** Leaves the dispatcher, stops the daemon's tasks and closes what it hosts. */
    @Override
    void close();
  }

  /**
   * The runtime on this class path.
   *
   * @param forWhat what needs it, for the message when there is none ("Kapu.local(2)")
   * @throws IllegalStateException naming the dependency to add, when none is on the class path
   */
  static DaemonRuntime require(String forWhat) {
    return ServiceLoader.load(DaemonRuntime.class).findFirst().orElseThrow(() -> new IllegalStateException(
        forWhat + " runs Kapu daemons from this class path, and none is on it: add the dependency"
            + " dev.kapu:kapu-daemon-host (Kapu.connect(url) needs none)"));
  }
}
