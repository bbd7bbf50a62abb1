package dev.kapu.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code controller:} section of a {@code kapu.yaml}: {@code kapu serve} launches its daemons
 * on demand with this launcher, and lets idle ones leave.
 *
 * <pre>{@code
 * controller:
 *   launcher: slurm
 *   settings: { partition: debug, cpus: 1, memory: 1G, time: 3600, script: ["module load java/17"] }
 *   maxWorkers: 4
 *   idleSeconds: 120
 * }</pre>
 *
 * Bound by {@link KapuConfig#readController}; a component the file leaves out is null (or empty),
 * and {@code kapu serve}'s flags and defaults fill it in.
 *
 * @param launcher the launcher's name: {@code local}, {@code ssh}, {@code slurm}, {@code command},
 *     or any launcher provider on the class path
 * @param settings the launcher's own settings, each a value or a list of values (passed on one a
 *     line); the launcher refuses keys it does not know
 * @param maxWorkers the most daemons at once
 * @param idleSeconds a daemon leaves after this long without work; 0 keeps daemons
 * @param slots tasks each daemon runs at once
 * @param launchTimeoutSeconds how long a launched daemon may take to connect (a scheduler's queue counts)
 * @param directory where the controller keeps its token file, scripts and logs: with a scheduler,
 *     a directory the nodes share
 * @param jvmOptions options for the daemons' JVMs, such as {@code -Xmx2g}
 */
public record ControllerConfig(
    String launcher,
    @JsonDeserialize(contentUsing = SettingValue.class) Map<String, String> settings,
    Integer maxWorkers,
    Long idleSeconds,
    Integer slots,
    Long launchTimeoutSeconds,
    Path directory,
    List<String> jvmOptions) {

  /** The keys a controller section may have, in the order the README lists them. */
  static final List<String> KEYS = List.of("launcher", "settings", "maxWorkers", "idleSeconds", "slots",
      "launchTimeoutSeconds", "directory", "jvmOptions");

  public ControllerConfig {
    settings = settings == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    jvmOptions = jvmOptions == null ? List.of() : List.copyOf(jvmOptions);
  }

  /** What is wrong with the section, each in words; empty if nothing is. */
  List<String> problems() {
    List<String> problems = new ArrayList<>();
    if (launcher == null || launcher.isBlank()) {
      problems.add("launcher is missing (local, ssh, slurm, sge or command)");
    }
    if (maxWorkers != null && maxWorkers < 1) {
      problems.add("maxWorkers must be at least 1, not " + maxWorkers);
    }
    if (idleSeconds != null && idleSeconds < 0) {
      problems.add("idleSeconds must not be negative (0 keeps daemons), not " + idleSeconds);
    }
    if (slots != null && slots < 1) {
      problems.add("slots must be at least 1, not " + slots);
    }
    if (launchTimeoutSeconds != null && launchTimeoutSeconds < 1) {
      problems.add("launchTimeoutSeconds must be at least 1, not " + launchTimeoutSeconds);
    }
    return problems;
  }

  /**
   * A setting's value as the launcher takes it: a scalar as written, a list of scalars one a line
   * (launchers split lists on newlines as well as on their own separators).
   */
  static final class SettingValue extends JsonDeserializer<String> {
    @Override
    public String deserialize(JsonParser parser, DeserializationContext context) throws IOException {
      JsonNode node = parser.readValueAsTree();
      if (node.isValueNode()) {
        return node.asText();
      }
      if (node.isArray()) {
        List<String> lines = new ArrayList<>();
        for (JsonNode item : node) {
          if (!item.isValueNode()) {
            return context.reportInputMismatch(String.class, "a list of values");
          }
          lines.add(item.asText());
        }
        return String.join("\n", lines);
      }
      return context.reportInputMismatch(String.class, "a value or a list of values");
    }
  }
}
