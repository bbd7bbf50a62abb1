package dev.kapu.client;

import dev.kapu.api.ResourceSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What a client is told, when the daemon running its statement dies, about what became of the
 * resource: that depends on its kind, its placement and whether a supervisor replaces its daemon.
 */
public final class ResourceLoss {
  private ResourceLoss() {}

  /**
   * What a loss means for each of {@code resources}, by name.
   *
   * @param replaced a supervisor replaces dead daemons with ones opening the same resources
   *     ({@code Kapu.local}, {@code kapu serve}); else daemons come and go on their own (a controller)
   */
  public static Function<String, String> of(List<ResourceSpec> resources, boolean replaced) {
    Map<String, String> notes = new HashMap<>();
    for (ResourceSpec r : resources) {
      notes.put(r.name(), note(r, replaced));
    }
    return name -> notes.getOrDefault(name, "run the statement again once a daemon hosts it");
  }

  static String note(ResourceSpec resource, boolean replaced) {
    if (resource.placement() == ResourceSpec.Placement.REPLICATED) {
      return "the statement did not finish, and the data it served is untouched: run it again";
    }
    if (!replaced) {
      return "what its daemon held in memory is gone";
    }
    return switch (resource.kind()) {
      case "duckdb" -> {
        String path = resource.option("path", "");
        yield path.isEmpty() || path.equals(":memory:")
            ? "the in-memory database was lost and is being restarted empty"
            : "the database is being reopened from its file with what was committed (this statement's"
                + " changes were not)";
      }
      case "arrow" -> "its tables were lost and it is being restarted empty";
      default -> "it is being reopened on a new daemon, with what its daemon held in memory lost";
    };
  }
}
