package dev.kapu.daemon.code;

import dev.kapu.flight.CodeManifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classes one session shipped, on a daemon. Parent first: whatever the daemon's own class
 * path holds (the JDK, Kapu, Kapu's dependencies, {@code --classpath}) comes from there, and only
 * what it lacks from the session's code. Kapu's and the JDK's packages never come from shipped
 * code, even where the daemon lacks a class of theirs: a session cannot replace the platform it
 * runs on. An entry of the session's class path is fetched (into the host's {@link CodeCache})
 * only when a class or resource of one of its packages is first looked for here.
 */
public final class SessionClassLoader extends URLClassLoader {
  private static final Logger log = LoggerFactory.getLogger(SessionClassLoader.class);
  /** The JDK's packages, which only the daemon itself provides (Kapu's too: {@link CodeManifest#isKapuPackage}). */
  private static final List<String> JDK = List.of("java.", "javax.", "jdk.", "sun.", "com.sun.");

  static {
    registerAsParallelCapable();
  }

  /** Where an entry's file is, fetching it first if need be. */
  @FunctionalInterface
  public interface Entries {
    Path file(String hash) throws IOException;
  }

  private final Map<String, List<CodeManifest.Entry>> byPackage = new HashMap<>();
  private final Set<String> opened = ConcurrentHashMap.newKeySet();
  private final Entries entries;

  public SessionClassLoader(String name, CodeManifest manifest, Entries entries, ClassLoader parent) {
    super(name, new URL[0], parent);
    this.entries = entries;
    for (CodeManifest.Entry e : manifest.entries()) {
      for (String p : e.packages()) {
        byPackage.computeIfAbsent(p, k -> new ArrayList<>()).add(e);
      }
    }
  }

  /** Whether a class of this name may come from shipped code at all. */
  static boolean shippable(String className) {
    int dot = className.lastIndexOf('.');
    return JDK.stream().noneMatch(className::startsWith)
        && (dot < 0 || !CodeManifest.isKapuPackage(className.substring(0, dot)));
  }

  @Override
  protected Class<?> findClass(String name) throws ClassNotFoundException {
    if (!shippable(name)) {
      throw new ClassNotFoundException(name);
    }
    int dot = name.lastIndexOf('.');
    open(dot < 0 ? "" : name.substring(0, dot).replace('.', '/'));
    return super.findClass(name);
  }

  @Override
  public URL findResource(String name) {
    open(keyOf(name));
    return super.findResource(name);
  }

  @Override
  public Enumeration<URL> findResources(String name) throws IOException {
    open(keyOf(name));
    return super.findResources(name);
  }

  /**
   * How the manifest indexes a resource: by its directory, except under {@code META-INF}, which
   * nearly every jar has, where it lists the files themselves (service registrations), so that
   * looking one up fetches only the entries that hold it.
   */
  static String keyOf(String resource) {
    if (resource.startsWith("META-INF/")) {
      return resource;
    }
    int slash = resource.lastIndexOf('/');
    return slash < 0 ? "" : resource.substring(0, slash);
  }

  /** Adds the entries that hold {@code directory} to this loader's path, fetching them as needed. */
  private void open(String directory) {
    for (CodeManifest.Entry e : byPackage.getOrDefault(directory, List.of())) {
      if (opened.contains(e.hash())) {
        continue;
      }
      synchronized (opened) {
        if (opened.contains(e.hash())) {
          continue;
        }
        try {
          addURL(entries.file(e.hash()).toUri().toURL());
          opened.add(e.hash());
        } catch (MalformedURLException ex) {
          throw new UncheckedIOException(ex);
        } catch (IOException ex) {
          // the class stays not found; the task's error says so, and this says why
          log.warn("could not fetch {} ({}) of a session's shipped code: {}", e.name(), e.hash(), ex.getMessage());
        }
      }
    }
  }
}
