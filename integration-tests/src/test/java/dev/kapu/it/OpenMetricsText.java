package dev.kapu.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of OpenMetrics 1.0 text (the exposition format Prometheus negotiates), for
 * tests: it refuses what the specification refuses, rather than guess. Every family is declared
 * once by {@code # TYPE} before its samples, with {@code # UNIT} (a suffix of its name) and
 * {@code # HELP} at most once; each sample's name is its family's name plus a suffix its type
 * allows; labels are quoted and escaped, unique within a sample, and samples of one family are
 * unique; a counter's total is never negative; a histogram's buckets rise, end at {@code +Inf}
 * and agree with its count; and the text ends with {@code # EOF} and a newline, with nothing after.
 */
final class OpenMetricsText {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)( \\S+)?");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"");
  private static final Map<String, Set<String>> SUFFIXES = Map.of(
      "counter", Set.of("_total", "_created"),
      "gauge", Set.of(""),
      "histogram", Set.of("_bucket", "_count", "_sum", "_created"),
      "info", Set.of("_info"),
      "unknown", Set.of(""),
      "stateset", Set.of(""),
      "summary", Set.of("", "_count", "_sum", "_created"),
      "gaugehistogram", Set.of("_bucket", "_gcount", "_gsum"));

  record Sample(String name, Map<String, String> labels, double value) {}

  static final class Family {
    final String name;
    final String type;
    String unit;
    String help;
    final List<Sample> samples = new ArrayList<>();

    Family(String name, String type) {
      this.name = name;
      this.type = type;
    }

    /** The value of the one sample named {@code name} with exactly {@code labels} (name, value, ...). */
    double value(String sampleName, String... labels) {
      Map<String, String> wanted = new LinkedHashMap<>();
      for (int i = 0; i < labels.length; i += 2) {
        wanted.put(labels[i], labels[i + 1]);
      }
      return samples.stream().filter(s -> s.name.equals(sampleName) && s.labels.equals(wanted))
          .findFirst().orElseThrow(() -> new AssertionError("no sample " + sampleName + wanted + " in " + samples))
          .value;
    }

    /** The value of the one sample named {@code name} with exactly {@code labels}, if present. */
    Optional<Double> find(String sampleName, Map<String, String> labels) {
      return samples.stream().filter(s -> s.name.equals(sampleName) && s.labels.equals(labels)).map(Sample::value).findFirst();
    }
  }

  private OpenMetricsText() {}

  /** The families of {@code text}, by name, in order; an {@link AssertionError} naming the line at the first violation. */
  static Map<String, Family> parse(String text) {
    if (!text.endsWith("# EOF\n")) {
      throw new AssertionError("OpenMetrics text must end with '# EOF' and a newline");
    }
    String[] lines = text.substring(0, text.length() - "# EOF\n".length()).split("\n", -1);
    Map<String, Family> families = new LinkedHashMap<>();
    Family current = null;
    // the last element is what followed the final newline before # EOF: empty
    for (int i = 0; i < lines.length - 1; i++) {
      String line = lines[i];
      try {
        if (line.startsWith("# TYPE ")) {
          String[] parts = line.substring(7).split(" ", -1);
          check(parts.length == 2 && NAME.matcher(parts[0]).matches() && SUFFIXES.containsKey(parts[1]), "bad TYPE");
          check(!families.containsKey(parts[0]), "family declared twice");
          current = new Family(parts[0], parts[1]);
          families.put(current.name, current);
        } else if (line.startsWith("# UNIT ") || line.startsWith("# HELP ")) {
          String[] parts = line.substring(7).split(" ", 2);
          check(current != null && parts[0].equals(current.name), "metadata for another family than the one declared");
          if (line.startsWith("# UNIT ")) {
            check(current.unit == null && parts.length == 2 && current.name.endsWith("_" + parts[1]),
                "a UNIT must be given once and end the family's name");
            current.unit = parts[1];
          } else {
            check(current.help == null, "HELP given twice");
            current.help = parts.length == 2 ? parts[1] : "";
          }
        } else if (line.startsWith("#")) {
          throw new AssertionError("unknown comment (OpenMetrics has TYPE, UNIT, HELP and EOF only)");
        } else {
          check(current != null, "a sample before any TYPE");
          current.samples.add(sample(line, current));
        }
      } catch (AssertionError | NumberFormatException e) {
        throw new AssertionError("line " + (i + 1) + " '" + line + "': " + e.getMessage(), e);
      }
    }
    check(lines[lines.length - 1].isEmpty(), "text after the last line");
    families.values().forEach(OpenMetricsText::checkFamily);
    return families;
  }

  private static Sample sample(String line, Family family) {
    Matcher m = SAMPLE.matcher(line);
    check(m.matches(), "not a sample");
    String name = m.group(1);
    check(name.startsWith(family.name) && SUFFIXES.get(family.type).contains(name.substring(family.name.length())),
        "sample name not allowed for a " + family.type + " named " + family.name);
    Map<String, String> labels = new LinkedHashMap<>();
    if (m.group(3) != null && !m.group(3).isEmpty()) {
      Matcher label = LABEL.matcher(m.group(3));
      int at = 0;
      while (label.find(at) && label.start() == at) {
        check(LABEL_NAME.matcher(label.group(1)).matches(), "bad label name");
        check(labels.put(label.group(1), label.group(2).replace("\\n", "\n").replace("\\\"", "\"")
            .replace("\\\\", "\\")) == null, "label given twice");
        at = label.end();
        if (at < m.group(3).length()) {
          check(m.group(3).charAt(at) == ',', "labels must be separated by commas");
          at++;
        }
      }
      check(at == m.group(3).length(), "malformed labels");
    }
    double value = number(m.group(4));
    Sample sample = new Sample(name, labels, value);
    check(family.samples.stream().noneMatch(s -> s.name.equals(name) && s.labels.equals(labels)), "duplicate sample");
    return sample;
  }

  private static void checkFamily(Family family) {
    for (Sample s : family.samples) {
      if (family.type.equals("counter") && s.name.endsWith("_total")) {
        check(s.value >= 0, family.name + ": a counter's total is negative");
      }
      if (family.type.equals("info")) {
        check(s.value == 1, family.name + ": an info sample's value must be 1");
      }
    }
    if (family.type.equals("histogram") && !family.samples.isEmpty()) {
      List<Sample> buckets = family.samples.stream().filter(s -> s.name.endsWith("_bucket")).toList();
      check(!buckets.isEmpty() && buckets.get(buckets.size() - 1).labels.get("le").equals("+Inf"),
          family.name + ": the last bucket must be le=\"+Inf\"");
      double previousBound = Double.NEGATIVE_INFINITY;
      double previousCount = 0;
      for (Sample bucket : buckets) {
        double bound = number(bucket.labels.get("le"));
        check(bound > previousBound && bucket.value >= previousCount, family.name + ": buckets must rise");
        previousBound = bound;
        previousCount = bucket.value;
      }
      check(family.value(family.name + "_count") == previousCount, family.name + ": the +Inf bucket must equal the count");
    }
  }

  private static double number(String s) {
    return switch (s) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(s);
    };
  }

  private static void check(boolean condition, String message) {
    if (!condition) {
      throw new AssertionError(message);
    }
  }
}
