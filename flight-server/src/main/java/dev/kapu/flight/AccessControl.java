package dev.kapu.flight;

import dev.kapu.api.AccessRight;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.CallStatus;

/**
 * Which hosted resources each user of the Flight port may use, and how. A user is the peer
 * identity the authenticator established ({@code CallContext.peerIdentity()}); a resource is a
 * hosted resource's name (a Flight SQL catalog). A resource a user holds no right on does not
 * exist for them: it is left out of listings, and naming it is answered as naming an unknown one.
 */
public interface AccessControl {

  /** The right {@code user} holds on {@code resource}, or null for none. */
  AccessRight right(String user, String resource);

  /** Of {@code resources}, those {@code user} holds a right on, in the same order. */
  default List<String> visible(String user, List<String> resources) {
    return resources.stream().filter(r -> right(user, r) != null).toList();
  }

  /**
   * Throws unless {@code user} holds {@code needed} on {@code resource}: NOT_FOUND if they hold no
   * right on it (as for a resource that does not exist), UNAUTHORIZED (gRPC's PERMISSION_DENIED) if they
   * may only read.
   */
  default void check(String user, String resource, AccessRight needed) {
    AccessRight held = right(user, resource);
    if (held == null) {
      throw unknown(resource);
    }
    if (!held.covers(needed)) {
      throw CallStatus.UNAUTHORIZED
          .withDescription("user '" + user + "' may only read '" + resource + "'")
          .toRuntimeException();
    }
  }

  /** The answer to naming a resource that does not exist, or that the caller may not see. */
  static RuntimeException unknown(String resource) {
    return CallStatus.NOT_FOUND.withDescription("unknown catalog '" + resource + "'").toRuntimeException();
  }

  /** Every user may do everything: one user, or no authentication at all. */
  static AccessControl allowAll() {
    return (user, resource) -> AccessRight.WRITE;
  }

  /**
   * Rights by user, then by resource; the resource {@code "*"} stands for every resource that
   * has no entry of its own. Users not listed hold no right.
   */
  static AccessControl of(Map<String, Map<String, AccessRight>> rights) {
    Map<String, Map<String, AccessRight>> copy = new HashMap<>();
    rights.forEach((user, byResource) -> copy.put(user, Map.copyOf(byResource)));
    return (user, resource) -> {
      Map<String, AccessRight> byResource = copy.get(user);
      if (byResource == null) {
        return null;
      }
      AccessRight own = byResource.get(resource);
      return own != null ? own : byResource.get("*");
    };
  }
}
