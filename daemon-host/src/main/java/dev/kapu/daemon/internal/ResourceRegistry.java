package dev.kapu.daemon.internal;

import dev.kapu.api.ResourceSpec;
import dev.kapu.daemon.spi.HostedResource;
import dev.kapu.daemon.spi.ResourceEnvironment;
import dev.kapu.daemon.spi.ResourceKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The resources one daemon hosts, opened at start and closed at exit. */
public final class ResourceRegistry implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ResourceRegistry.class);

  private final Map<String, HostedResource> open = new LinkedHashMap<>();

  /** The resource kinds on this classpath, by name (the first listed wins a name). */
  public static Map<String, ResourceKind> installedKinds() {
    Map<String, ResourceKind> kinds = new LinkedHashMap<>();
    for (ResourceKind kind : ServiceLoader.load(ResourceKind.class)) {
      kinds.putIfAbsent(kind.name(), kind);
    }
    return Collections.unmodifiableMap(kinds);
  }

  /** Opens every spec, in order; if one fails, those already open are closed and the error names it. */
  public static ResourceRegistry open(List<ResourceSpec> specs, ResourceEnvironment environment) {
    Map<String, ResourceKind> kinds = installedKinds();
    ResourceRegistry registry = new ResourceRegistry();
    for (ResourceSpec spec : specs) {
      ResourceKind kind = kinds.get(spec.kind());
      if (kind == null) {
        registry.close();
        throw new ResourceException("resource '" + spec.name() + "' has unknown kind '" + spec.kind()
            + "' (known: " + kinds.keySet() + ")", null);
      }
      if (registry.open.containsKey(spec.name())) {
        registry.close();
        throw new ResourceException("resource '" + spec.name() + "' is declared twice", null);
      }
      try {
        registry.open.put(spec.name(), kind.open(spec, environment));
        log.info("opened resource '{}' ({})", spec.name(), spec.kind());
      } catch (Exception e) {
        registry.close();
        throw new ResourceException("resource '" + spec.name() + "' (" + spec.kind()
            + ") failed to open: " + rootMessage(e), e);
      }
    }
    return registry;
  }

  private static String rootMessage(Throwable e) {
    StringBuilder message = new StringBuilder(String.valueOf(e.getMessage()));
    for (Throwable c = e.getCause(); c != null && c != e; c = c.getCause()) {
      if (c.getMessage() != null && !message.toString().contains(c.getMessage())) {
        message.append(": ").append(c.getMessage());
      }
      e = c;
    }
    return message.toString();
  }

  /** The resource called {@code name}, or an error listing what this daemon has. */
  public HostedResource get(String name) {
    HostedResource resource = open.get(name);
    if (resource == null) {
      throw new IllegalArgumentException("no resource '" + name + "' on this daemon (it hosts: "
          + open.keySet() + "); name it in the task's options so it is routed to a daemon that does");
    }
    return resource;
  }

  public Set<String> names() {
    return Collections.unmodifiableSet(open.keySet());
  }

  @Override
  public void close() {
    List<String> names = new ArrayList<>(open.keySet());
    Collections.reverse(names);
    for (String name : names) {
      try {
        open.remove(name).close();
      } catch (Exception e) {
        log.warn("closing resource '{}' failed: {}", name, e.toString());
      }
    }
  }

  /** A resource could not be opened; the message names it. */
  public static final class ResourceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ResourceException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
