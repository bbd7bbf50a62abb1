package dev.kapu.daemon;

import dev.kapu.api.spi.DaemonOptions;
import dev.kapu.daemon.code.CodeCache;
import dev.kapu.daemon.code.SessionCodecs;
import dev.kapu.flight.CodeCalls;
import dev.kapu.flight.WorkerConnection;
import dev.kapu.serial.SerialFilter;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Where a daemon's tasks find their classes: its class path, {@code --classpath}, and what sessions ship. */
final class DaemonCode {
  private DaemonCode() {}

  static SessionCodecs codecs(DaemonOptions options, WorkerConnection connection) {
    DaemonOptions.Code code = options.code();
    ClassLoader base = classPath(code.classpath());
    CodeCache cache = null;
    if (code.acceptShipped()) {
      CodeCalls calls = connection.code();
      cache = new CodeCache(code.cache() != null ? code.cache() : CodeCache.defaultDirectory(), calls::get);
    }
    return new SessionCodecs(SerialFilter.withDefaults(options.allow()), base, cache);
  }

  /** A loader over {@code --classpath}'s entries, under the daemon's own; null when there are none. */
  private static ClassLoader classPath(List<Path> entries) {
    if (entries.isEmpty()) {
      return null;
    }
    URL[] urls = new URL[entries.size()];
    for (int i = 0; i < urls.length; i++) {
      Path p = entries.get(i);
      if (!Files.exists(p)) {
        throw new IllegalArgumentException("--classpath entry " + p + " does not exist");
      }
      try {
        urls[i] = p.toAbsolutePath().toUri().toURL();
      } catch (MalformedURLException e) {
        throw new IllegalArgumentException("--classpath entry " + p + " is not a usable path: " + e.getMessage(), e);
      }
    }
    return new URLClassLoader("kapu-daemon-classpath", urls, Daemon.class.getClassLoader());
  }
}
