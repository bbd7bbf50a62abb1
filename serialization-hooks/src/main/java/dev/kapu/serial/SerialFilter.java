package dev.kapu.serial;

import java.io.ObjectInputFilter;
import java.util.ArrayList;
import java.util.List;

/**
 * The filter that guards Java deserialization. A class is read back if it is not a {@linkplain
 * KnownGadgets known gadget} and either matches one of the allow patterns or is application code:
 * loaded from a class path (the application's, a daemon's {@code --classpath}, or the code a session
 * shipped), not from the JDK itself. So a session's own classes, in any package, need no pattern;
 * the JDK's classes beyond the value types listed here do, and a gadget never passes.
 *
 * <p>Why this line: whoever holds the token already runs any code on the daemons (a task is
 * code), so an allow-list for the session's own classes would protect nothing. What the filter
 * stops is a payload that is not anyone's task code: a chain of library or JDK classes built to run
 * code while it is read, sent to a daemon or, by a daemon that should not be trusted with the client,
 * back to the client in a result.
 *
 * <p>Patterns follow {@link ObjectInputFilter.Config#createFilter}: {@code com.acme.Model} (one
 * class), {@code com.acme.*} (a package), {@code com.acme.**} (a package and its sub-packages).
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
    String spec = String.join(";", this.patterns) + ";maxdepth=64";
    this.filter = new Guard(ObjectInputFilter.Config.createFilter(spec));
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

  /** Whether {@code type} (an array's component, already unwrapped) is a known gadget, refused always. */
  public static boolean isKnownGadget(Class<?> type) {
    return KnownGadgets.matches(type.getName());
  }

  /**
   * Application code: a class some class path defined, as opposed to the JDK's own (the boot and
   * platform loaders), whose classes pass only by pattern.
   */
  static boolean isApplicationCode(Class<?> type) {
    ClassLoader loader = type.getClassLoader();
    return loader != null && loader != ClassLoader.getPlatformClassLoader();
  }

  /** Gadgets out, then the patterns, then application code; the rest of the JDK out. */
  private static final class Guard implements ObjectInputFilter {
    private final ObjectInputFilter patterns;

    Guard(ObjectInputFilter patterns) {
      this.patterns = patterns;
    }

    @Override
    public Status checkInput(FilterInfo info) {
      Class<?> type = info.serialClass();
      if (type != null) {
        while (type.isArray()) {
          type = type.getComponentType();
        }
        if (isKnownGadget(type)) {
          return Status.REJECTED;
        }
      }
      Status byPattern = patterns.checkInput(info);
      if (byPattern != Status.UNDECIDED || type == null) {
        return byPattern; // limits (depth) decide alone when no class is being read
      }
      return type.isPrimitive() || isApplicationCode(type) ? Status.ALLOWED : Status.REJECTED;
    }
  }
}
