package dev.kapu.serial;

import java.io.ObjectInputFilter;
import java.util.ArrayList;
import java.util.List;

/**
 * The allow-list that guards Java deserialization: only classes matching one of its patterns may
 * be read back. Patterns follow {@link ObjectInputFilter.Config#createFilter}: {@code
 * com.acme.Model} (one class), {@code com.acme.*} (a package), {@code com.acme.**} (a package and
 * its sub-packages).
 *
 * <p>The defaults allow Kapu's own classes, lambdas, boxed primitives, strings, the JDK's
 * collections, time and math value types and primitive arrays. Tasks written in your own packages
 * need those packages added, on the client and on every daemon, which {@code Kapu.builder().allow(...)}
 * does for daemons it launches.
 */
public final class SerialFilter {

  /** What is allowed with no configuration at all. */
  public static final List<String> DEFAULT_PATTERNS =
      List.of(
          "dev.kapu.**",
          "java.lang.invoke.SerializedLambda",
          "java.lang.*",
          "java.util.*",
          "java.util.concurrent.*",
          "java.util.concurrent.atomic.*",
          "java.time.*",
          "java.math.*",
          "java.net.URI",
          "java.nio.file.Path");

  private final List<String> patterns;
  private final ObjectInputFilter filter;

  private SerialFilter(List<String> patterns) {
    this.patterns = List.copyOf(patterns);
    for (String p : this.patterns) {
      if (p.isBlank() || p.contains(";") || p.startsWith("!")) {
        throw new IllegalArgumentException("not an allow pattern: '" + p + "'");
      }
    }
    // Arrays are allowed when their component is; everything else unmatched is rejected.
    String spec = String.join(";", this.patterns) + ";maxdepth=64;!*";
    this.filter = ObjectInputFilter.Config.createFilter(spec);
  }

  /** The defaults plus {@code extraPatterns}. */
  public static SerialFilter withDefaults(List<String> extraPatterns) {
    List<String> all = new ArrayList<>(DEFAULT_PATTERNS);
    for (String p : extraPatterns) {
      if (!all.contains(p)) {
        all.add(p);
      }
    }
    return new SerialFilter(all);
  }

  public static SerialFilter defaults() {
    return withDefaults(List.of());
  }

  /** Every pattern in force, defaults included. */
  public List<String> patterns() {
    return patterns;
  }

  /** The patterns beyond the defaults, to hand to daemons. */
  public List<String> extraPatterns() {
    return patterns.stream().filter(p -> !DEFAULT_PATTERNS.contains(p)).toList();
  }

  /** The filter itself, for an {@link java.io.ObjectInputStream} of your own. */
  public ObjectInputFilter asObjectInputFilter() {
    return filter;
  }
}
