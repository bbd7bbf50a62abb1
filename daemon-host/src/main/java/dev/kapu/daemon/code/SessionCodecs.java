package dev.kapu.daemon.code;

import dev.kapu.flight.CodeManifest;
import dev.kapu.serial.CodecException;
import dev.kapu.serial.CodecRegistry;
import dev.kapu.serial.SerialFilter;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A daemon's codecs per session: the envelope of a task names the code its session shipped, and
 * its task decodes (and its result encodes) with codecs of that code's own {@link
 * SessionClassLoader}, so that two sessions with different versions of a class share the daemon
 * without meeting. Tasks that name no code use the daemon's own class path.
 */
public final class SessionCodecs implements CodecRegistry.ForCode {
  private static final Logger log = LoggerFactory.getLogger(SessionCodecs.class);
  /** Sessions whose loaders stay; past this the least recently used one's goes (and is made again if used). */
  private static final int SESSIONS = 64;

  private static final String NONE_SHIPPED = "the task's session shipped no code (shipping is off for the session,"
      + " or its dispatcher refuses shipped code): turn shipping on (Kapu.builder().shipCode(true), the default"
      + " with Kapu.connect) where the dispatcher takes it, or start the daemon with --classpath holding the"
      + " application's jars and class directories";
  private static final String REFUSED = "this daemon refuses shipped code (it was started with"
      + " --no-shipped-code): start it with --classpath holding the application's jars and class directories";
  private static final String SHIPPED = "it is neither on this daemon's class path nor in the code the session"
      + " shipped (its client's class path)";

  private final SerialFilter filter;
  private final ClassLoader base;
  private final CodeCache cache;
  private final CodecRegistry own;
  /** Looked up by every task without a lock; changed under this object's lock. */
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();

  private final class Session {
    final SessionClassLoader loader;
    final CodecRegistry codecs;
    final CodeManifest manifest;
    volatile long lastUsed = System.nanoTime();
    /** Every entry of the manifest is in this host's cache: loading a class of it fetches nothing. */
    volatile boolean allCodeHere;
    private final AtomicBoolean fetchingTheRest = new AtomicBoolean();

    Session(SessionClassLoader loader, CodecRegistry codecs, CodeManifest manifest) {
      this.loader = loader;
      this.codecs = codecs;
      this.manifest = manifest;
    }

    /** Fetches the entries no task has needed yet, on a thread of its own, once. */
    void fetchTheRest() {
      if (!fetchingTheRest.compareAndSet(false, true)) {
        return;
      }
      Thread fetcher = new Thread(() -> {
        try {
          for (CodeManifest.Entry e : manifest.entries()) {
            cache.entry(e.hash());
          }
          allCodeHere = true;
        } catch (IOException e) {
          log.warn("could not fetch the rest of {}'s shipped code: {}", loader.getName(), e.getMessage());
        }
      }, "kapu-code-fetch");
      fetcher.setDaemon(true);
      fetcher.start();
    }
  }

  /**
   * @param base the daemon's class path (with {@code --classpath}); null for the context loader
   * @param cache where shipped code is kept on this host; null to refuse shipped code
   */
  public SessionCodecs(SerialFilter filter, ClassLoader base, CodeCache cache) {
    this.filter = filter;
    this.base = base;
    this.cache = cache;
    this.own = CodecRegistry.builder().filter(filter).classLoader(base)
        .missingClassAdvice(cache == null ? REFUSED : NONE_SHIPPED).discover().build();
  }

  /** The codecs of the daemon's own class path. */
  public CodecRegistry own() {
    return own;
  }

  @Override
  public CodecRegistry forCode(String codeId) {
    if (codeId.isEmpty() || cache == null) {
      return own;
    }
    return session(codeId).codecs;
  }

  /**
   * Whether a task of {@code codeId} can be decoded and run without waiting for the dispatcher:
   * its classes are the daemon's own, or its session's shipped code is all in this host's cache.
   * When a loaded session's is not, the rest is fetched in the background, so that the answer
   * becomes yes; a session no task has loaded yet is left to its first task.
   */
  public boolean hasAllCode(String codeId) {
    if (codeId.isEmpty() || cache == null) {
      return true;
    }
    Session s = sessions.get(codeId);
    if (s == null) {
      return false;
    }
    if (!s.allCodeHere) {
      s.fetchTheRest();
    }
    return s.allCodeHere;
  }

  /** The class loader tasks of {@code codeId} run with (as their thread's context loader). */
  public ClassLoader loader(String codeId) {
    if (codeId.isEmpty() || cache == null) {
      return base != null ? base : SessionCodecs.class.getClassLoader();
    }
    return session(codeId).loader;
  }

  private Session session(String codeId) {
    Session s = sessions.get(codeId);
    if (s != null) {
      s.lastUsed = System.nanoTime();
      return s;
    }
    return load(codeId);
  }

  private synchronized Session load(String codeId) {
    Session s = sessions.get(codeId);
    if (s != null) {
      return s;
    }
    CodeManifest manifest;
    try {
      manifest = CodeManifest.decode(Files.readAllBytes(cache.entry(codeId)));
    } catch (IOException | IllegalArgumentException e) {
      throw new CodecException("could not fetch the code this task's session shipped from the dispatcher: "
          + e.getMessage(), e);
    }
    ClassLoader parent = base != null ? base : SessionCodecs.class.getClassLoader();
    SessionClassLoader loader = new SessionClassLoader("kapu-session-" + codeId.substring(0, 12), manifest,
        cache::entry, parent);
    CodecRegistry codecs = CodecRegistry.builder().filter(filter).classLoader(loader).codeId(codeId)
        .missingClassAdvice(SHIPPED).discover().build();
    s = new Session(loader, codecs, manifest);
    sessions.put(codeId, s);
    if (sessions.size() > SESSIONS) {
      sessions.entrySet().stream().min(Comparator.comparingLong(e -> e.getValue().lastUsed))
          .ifPresent(eldest -> {
            sessions.remove(eldest.getKey());
            close(eldest.getValue());
          });
    }
    log.info("loading a session's code ({} class path entries) as {}", manifest.entries().size(), loader.getName());
    return s;
  }

  /** Drops the loader of a session that ended; its classes go once nothing of theirs runs. */
  public void release(String codeId) {
    Session s;
    synchronized (this) {
      s = sessions.remove(codeId);
    }
    if (s != null) {
      close(s);
      log.info("released {}", s.loader.getName());
    }
  }

  private static void close(Session s) {
    try {
      s.loader.close();
    } catch (IOException e) {
      log.warn("closing {} failed: {}", s.loader.getName(), e.toString());
    }
  }
}
