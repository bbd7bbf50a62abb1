package dev.kapu.daemon;

import dev.kapu.api.ResourceSpec;
import dev.kapu.daemon.internal.ResourceRegistry;
import dev.kapu.daemon.spi.HostedResource;
import dev.kapu.daemon.spi.ResourceEnvironment;
import dev.kapu.daemon.spi.ResourceKind.TableRole;
import dev.kapu.daemon.spi.ResourceKind;
import java.util.List;
import java.util.Map;

/**
 * What the resource kinds on this classpath say about a server's resources, for the server that
 * assembles daemons ({@code kapu serve}) before any of them runs, so that it asks the kinds and
 * names none. A kind that is not installed here (a daemon elsewhere may have it) gives the
 * defaults of {@link ResourceKind}: it offers nothing.
 */
public final class ResourceKinds {
  private static final Map<String, ResourceKind> INSTALLED = ResourceRegistry.installedKinds();

  /** Stands for a kind not installed here: it answers with {@link ResourceKind}'s defaults. */
  private static final ResourceKind NOT_INSTALLED = new ResourceKind() {
    @Override
    public String name() {
      return "(not installed)";
    }

    @Override
    public HostedResource open(ResourceSpec spec, ResourceEnvironment environment) {
      throw new IllegalArgumentException("resource kind '" + spec.kind() + "' is not installed here");
    }
  };

  private ResourceKinds() {}

  /** The kind that opens {@code spec}. */
  static ResourceKind of(ResourceSpec spec) {
    return INSTALLED.getOrDefault(spec.kind(), NOT_INSTALLED);
  }

  /** The resources that are SQL catalogs ({@link ResourceKind#sqlCatalog}), in order. */
  public static List<String> sqlCatalogs(List<ResourceSpec> resources) {
    return resources.stream().filter(r -> of(r).sqlCatalog()).map(ResourceSpec::name).toList();
  }

  /**
   * The resource uploaded tables go with, so that they land where the resources that see them
   * are: a pinned one that holds the tables, else a pinned one whose SQL queries them, else any
   * one whose SQL queries them; null (any daemon) without.
   */
  public static String uploadResource(List<ResourceSpec> resources) {
    String pinned = first(resources, TableRole.HOLDS, true);
    pinned = pinned != null ? pinned : first(resources, TableRole.QUERIES, true);
    return pinned != null ? pinned : first(resources, TableRole.QUERIES, false);
  }

  private static String first(List<ResourceSpec> resources, TableRole role, boolean pinned) {
    return resources.stream()
        .filter(r -> of(r).tableRole() == role && (!pinned || r.placement() == ResourceSpec.Placement.PINNED))
        .map(ResourceSpec::name)
        .findFirst()
        .orElse(null);
  }

  /** What a client is told when the daemon of pinned {@code spec} dies and a new one reopens it. */
  public static String reopenedNote(ResourceSpec spec) {
    return of(spec).reopenedNote(spec);
  }

  /** The tightest bound the resources' kinds put on the daemon's tables, in bytes (no limit without one). */
  static long tableMemoryLimit(List<ResourceSpec> resources) {
    return resources.stream().mapToLong(r -> of(r).tableMemoryLimit(r)).min().orElse(Long.MAX_VALUE);
  }
}
