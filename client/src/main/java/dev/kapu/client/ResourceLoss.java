package dev.kapu.client;

import dev.kapu.api.ResourceSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What a client is told, when the daemon running its statement dies, about what became of the
 * resource: that depends on its placement, whether a supervisor replaces its daemon and, for a
 * pinned resource that is reopened, on its kind, whose note the caller supplies (the client knows
 * no kinds: the server's assembly asks the daemon runtime's).
 */
public final class ResourceLoss {
  private ResourceLoss() {}

  /**
   * What a loss means for each of {@code resources}, by name.
   *
   * @param replaced a supervisor replaces dead daemons with ones opening the same resources
   *     ({@code Kapu.local}, {@code kapu serve}); else daemons come and go on their own (a controller)
   * @param reopened what its kind says of a pinned resource opened again on a new daemon
   */
  public static Function<String, String> of(List<ResourceSpec> resources, boolean replaced,
      Function<ResourceSpec, String> reopened) {
    Map<String, String> notes = new HashMap<>();
    for (ResourceSpec r : resources) {
      notes.put(r.name(), note(r, replaced, reopened));
    }
    return name -> notes.getOrDefault(name, "run the statement again once a daemon hosts it");
  }

  static String note(ResourceSpec resource, boolean replaced, Function<ResourceSpec, String> reopened) {
    if (resource.placement() == ResourceSpec.Placement.REPLICATED) {
      return "the statement did not finish, and the data it served is untouched: run it again";
    }
    return replaced ? reopened.apply(resource) : "what its daemon held in memory is gone";
  }
}
