package dev.kapu.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code kapu.yaml}: the resources daemons host.
 *
 * <pre>{@code
 * resources:
 *   warehouse: { kind: duckdb, options: { path: warehouse.duckdb } }
 *   scratch:   { kind: duckdb, placement: pinned }
 *   pg:        { kind: jdbc, options: { url: "jdbc:postgresql://localhost/app", password: "${PG_PASSWORD}" } }
 * }</pre>
 *
 * Unknown keys are errors, so a typo does not silently drop a setting.
 */
public final class KapuConfig {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private KapuConfig() {}

  /** Reads the resources of a {@code kapu.yaml}, in file order. */
  public static List<ResourceSpec> readResources(Path file) {
    try {
      Map<?, ?> root = YAML.readValue(file.toFile(), Map.class);
      if (root == null) {
        return List.of();
      }
      for (Object key : root.keySet()) {
        if (!"resources".equals(key)) {
          throw new IllegalArgumentException(file + ": unknown top-level key '" + key + "' (expected: resources)");
        }
      }
      Object resources = root.get("resources");
      if (resources == null) {
        return List.of();
      }
      if (!(resources instanceof Map<?, ?> byName)) {
        throw new IllegalArgumentException(file + ": 'resources' must map names to resources");
      }
      List<ResourceSpec> specs = new ArrayList<>();
      for (var entry : byName.entrySet()) {
        specs.add(spec(file, String.valueOf(entry.getKey()), entry.getValue()));
      }
      return List.copyOf(specs);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static ResourceSpec spec(Path file, String name, Object value) {
    if (!(value instanceof Map<?, ?> fields)) {
      throw new IllegalArgumentException(file + ": resource '" + name + "' must be a mapping with a kind");
    }
    for (Object key : fields.keySet()) {
      if (!List.of("kind", "placement", "options").contains(key)) {
        throw new IllegalArgumentException(file + ": resource '" + name + "' has unknown key '" + key
            + "' (expected: kind, placement, options)");
      }
    }
    Object kind = fields.get("kind");
    if (kind == null) {
      throw new IllegalArgumentException(file + ": resource '" + name + "' needs a kind");
    }
    ResourceSpec.Placement placement = ResourceSpec.Placement.REPLICATED;
    if (fields.get("placement") != null) {
      try {
        placement = ResourceSpec.Placement.valueOf(String.valueOf(fields.get("placement")).toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(file + ": resource '" + name + "' placement must be replicated or pinned");
      }
    }
    Map<String, String> options = new LinkedHashMap<>();
    if (fields.get("options") instanceof Map<?, ?> given) {
      given.forEach((k, v) -> options.put(String.valueOf(k), String.valueOf(v)));
    } else if (fields.get("options") != null) {
      throw new IllegalArgumentException(file + ": resource '" + name + "' options must be a mapping");
    }
    return new ResourceSpec(name, String.valueOf(kind), placement, options);
  }

  /** Writes specs in the same format, unresolved ({@code ${ENV}} stays as written). */
  public static void writeResources(List<ResourceSpec> specs, Path file) {
    ObjectNode root = YAML.createObjectNode();
    ObjectNode resources = root.putObject("resources");
    for (ResourceSpec spec : specs) {
      ObjectNode node = resources.putObject(spec.name());
      node.put("kind", spec.kind());
      node.put("placement", spec.placement().name().toLowerCase(Locale.ROOT));
      ObjectNode options = node.putObject("options");
      spec.options().forEach(options::put);
    }
    try {
      YAML.writeValue(file.toFile(), root);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
