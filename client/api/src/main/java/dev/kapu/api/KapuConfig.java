package dev.kapu.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kapu.api.AccessRight;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code kapu.yaml}: the resources daemons host, who may use them through {@code kapu serve}, how
 * {@code kapu serve} launches its daemons ({@link ControllerConfig}) and where it serves its
 * dashboard ({@link DashboardConfig}).
 *
 * <pre>{@code
 * resources:
 *   warehouse: { kind: duckdb, options: { path: warehouse.duckdb } }
 *   scratch:   { kind: duckdb, placement: pinned }
 *   pg:        { kind: jdbc, options: { url: "jdbc:postgresql://localhost/app", password: "${PG_PASSWORD}" } }
 * users:
 *   analyst: { password: "${ANALYST_PASSWORD}", access: { warehouse: read-only, scratch: read-write } }
 *   etl:     { password: "${ETL_PASSWORD}", access: { "*": read-write } }
 *   ops:     { password: "${OPS_PASSWORD}", access: { warehouse: read-only }, admin: true }
 * controller:
 *   launcher: slurm
 *   settings: { partition: debug, memory: 1G }
 *   maxWorkers: 4
 * dashboard:
 *   port: 31338
 * }</pre>
 *
 * Unknown keys are errors, so a typo does not silently drop a setting.
 */
public final class KapuConfig {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9_.@-]+");
  private static final Map<String, AccessRight> RIGHTS = Map.of("read-only", AccessRight.READ, "read-write", AccessRight.WRITE);

  private KapuConfig() {}

  /**
   * A user of {@code kapu serve}, from the {@code users:} section.
   *
   * @param name the user name
   * @param password as written in the file; {@code ${ENV}} references are resolved by {@link #resolvedPassword()}
   * @param access a right by resource name; {@code "*"} stands for every resource without an entry of its own
   * @param admin whether the user holds the admin right: sees the server's status ({@code kapu status})
   *     and may end sessions, statements and tasks
   */
  public record User(String name, String password, Map<String, AccessRight> access, boolean admin) {
    public User {
      access = Collections.unmodifiableMap(new LinkedHashMap<>(access)); // file order, for printing
    }

    /** A user without the admin right. */
    public User(String name, String password, Map<String, AccessRight> access) {
      this(name, password, access, false);
    }

    /** The password with {@code ${ENV}} resolved from this process's environment; unset or empty is an error. */
    public String resolvedPassword() {
      String resolved = ResourceSpec.Environment.resolve(password, "user '" + name + "' password", "the server");
      if (resolved.isEmpty()) {
        throw new IllegalArgumentException("user '" + name + "' password is empty");
      }
      return resolved;
    }

    /** Whether the password itself is written in the file, rather than the name of an environment variable. */
    public boolean passwordInFile() {
      return !password.contains("${");
    }
  }

  /** Reads the resources of a {@code kapu.yaml}, in file order. */
  public static List<ResourceSpec> readResources(Path file) {
    return resources(file, root(file));
  }

  /**
   * Reads the users of a {@code kapu.yaml}, in file order (empty without a {@code users:}
   * section). Every user needs a password and an access list whose rights are {@code read-only}
   * or {@code read-write} and whose resources are the file's own (or {@code "*"}); every problem
   * found is named in one error.
   */
  public static List<User> readUsers(Path file) {
    Map<?, ?> root = root(file);
    List<String> resources = resources(file, root).stream().map(ResourceSpec::name).toList();
    Object users = root.get("users");
    if (users == null) {
      return List.of();
    }
    if (!(users instanceof Map<?, ?> byName) || byName.isEmpty()) {
      throw new IllegalArgumentException(file + ": 'users' must map user names to { password, access }");
    }
    List<String> problems = new ArrayList<>();
    List<User> read = new ArrayList<>();
    for (var entry : byName.entrySet()) {
      User user = user(String.valueOf(entry.getKey()), entry.getValue(), resources, problems);
      if (user != null) {
        read.add(user);
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(file + ": " + String.join("; ", problems));
    }
    return List.copyOf(read);
  }

  /** One user, or null with what is wrong with it added to {@code problems}. */
  private static User user(String name, Object value, List<String> resources, List<String> problems) {
    int before = problems.size();
    if (!USER_NAME.matcher(name).matches()) {
      problems.add("user name '" + name + "' must be letters, digits, _ . @ -");
    }
    if (!(value instanceof Map<?, ?> fields)) {
      problems.add("user '" + name + "' must be a mapping with a password and an access list");
      return null;
    }
    for (Object key : fields.keySet()) {
      if (!List.of("password", "access", "admin").contains(key)) {
        problems.add("user '" + name + "' has unknown key '" + key + "' (expected: password, access, admin)");
      }
    }
    Object password = fields.get("password");
    if (password instanceof Map || password instanceof List || password == null || String.valueOf(password).isEmpty()) {
      problems.add("user '" + name + "' needs a password (\"${ENV_VARIABLE}\" keeps it out of the file)");
    }
    Map<String, AccessRight> access = new LinkedHashMap<>();
    if (!(fields.get("access") instanceof Map<?, ?> given) || given.isEmpty()) {
      problems.add("user '" + name + "' needs an access list ({ resource: read-only or read-write, \"*\" for all })");
    } else {
      given.forEach((resource, right) -> {
        String r = String.valueOf(resource);
        if (!r.equals("*") && !resources.contains(r)) {
          problems.add("user '" + name + "' has access to unknown resource '" + r + "' (resources: "
              + String.join(", ", resources) + ")");
        }
        AccessRight parsed = RIGHTS.get(String.valueOf(right));
        if (parsed == null) {
          problems.add("user '" + name + "' has unknown right '" + right + "' on '" + r
              + "' (expected: read-only, read-write)");
        }
        access.put(r, parsed);
      });
    }
    Object admin = fields.get("admin");
    if (admin != null && !(admin instanceof Boolean)) {
      problems.add("user '" + name + "' has admin: " + admin + " (expected: true or false)");
    }
    return problems.size() == before
        ? new User(name, String.valueOf(password), access, Boolean.TRUE.equals(admin)) : null;
  }

  /**
   * Reads the {@code controller:} section of a {@code kapu.yaml}, if it has one, bound to its
   * record. Unknown keys, values of the wrong type and out-of-range numbers are errors that name
   * the key; the launcher's own settings are checked by the launcher.
   */
  public static Optional<ControllerConfig> readController(Path file) {
    root(file); // the top-level keys, and whether the file reads at all
    JsonNode section;
    try {
      section = YAML.readTree(file.toFile()).get("controller");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    if (section == null || section.isNull()) {
      return Optional.empty();
    }
    if (!section.isObject()) {
      throw new IllegalArgumentException(file + ": 'controller' must be a mapping with a launcher (expected keys: "
          + String.join(", ", ControllerConfig.KEYS) + ")");
    }
    ControllerConfig controller;
    try {
      controller = YAML.treeToValue(section, ControllerConfig.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(file + ": " + ConfigMistakes.describe("controller", e), e);
    }
    List<String> problems = controller.problems();
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(file + ": controller: " + String.join("; ", problems));
    }
    return Optional.of(controller);
  }

  /**
   * Reads the {@code dashboard:} section of a {@code kapu.yaml}, if it has one (an empty section
   * asks for the defaults), bound to its record; unknown keys and bad values are errors that name the key.
   */
  public static Optional<DashboardConfig> readDashboard(Path file) {
    JsonNode section = section(file, "dashboard");
    if (section == null) {
      return Optional.empty();
    }
    if (section.isNull()) {
      return Optional.of(new DashboardConfig(null, null));
    }
    if (!section.isObject()) {
      throw new IllegalArgumentException(file + ": 'dashboard' must be a mapping (expected keys: port, bind)");
    }
    DashboardConfig dashboard;
    try {
      dashboard = YAML.treeToValue(section, DashboardConfig.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(file + ": " + ConfigMistakes.describe("dashboard", e), e);
    }
    List<String> problems = dashboard.problems();
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(file + ": dashboard: " + String.join("; ", problems));
    }
    return Optional.of(dashboard);
  }

  /** A top-level section as a tree; null if the file has no such key, a null node if it is empty. */
  private static JsonNode section(Path file, String name) {
    root(file); // the top-level keys, and whether the file reads at all
    try {
      return YAML.readTree(file.toFile()).get(name);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static Map<?, ?> root(Path file) {
    try {
      Map<?, ?> root = YAML.readValue(file.toFile(), Map.class);
      if (root == null) {
        return Map.of();
      }
      for (Object key : root.keySet()) {
        if (!List.of("resources", "users", "controller", "dashboard").contains(key)) {
          throw new IllegalArgumentException(file + ": unknown top-level key '" + key
              + "' (expected: resources, users, controller, dashboard)");
        }
      }
      return root;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static List<ResourceSpec> resources(Path file, Map<?, ?> root) {
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
