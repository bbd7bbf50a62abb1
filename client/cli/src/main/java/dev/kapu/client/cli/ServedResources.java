package dev.kapu.client.cli;

import dev.kapu.api.KapuConfig;
import dev.kapu.api.ResourceSpec;
import dev.kapu.daemon.ResourceKinds;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What {@code kapu serve} hosts, each resource a catalog: a kapu.yaml's resources, or else Kapu's
 * embedded DuckDB.
 */
record ServedResources(List<ResourceSpec> specs) {

  ServedResources {
    specs = List.copyOf(specs);
  }

  /**
   * From {@code --config} if given, else the embedded DuckDB ({@code --duckdb} or in memory),
   * replicated read-only over a controller's daemons ({@code controlled}) or pinned to one daemon.
   */
  static ServedResources of(Path config, Path duckdb, boolean controlled) throws ServeRefusal {
    List<ResourceSpec> specs;
    if (config != null) {
      try {
        specs = KapuConfig.readResources(config);
      } catch (IllegalArgumentException | UncheckedIOException e) { // a missing file, bad YAML, a bad resource
        throw new ServeRefusal(e.getMessage());
      }
    } else if (controlled) {
      // every worker opens the file; DuckDB allows one writing process, so all of them read only
      specs = List.of(ResourceSpec.replicated("duckdb", "duckdb",
          Map.of("path", duckdb.toAbsolutePath().toString(), "readOnly", "true")));
    } else {
      // pinned: one daemon holds the database, so that what one statement writes the next one reads
      specs = List.of(ResourceSpec.pinned("duckdb", "duckdb",
          duckdb == null ? Map.of() : Map.of("path", duckdb.toAbsolutePath().toString())));
    }
    if (specs.isEmpty()) {
      throw new ServeRefusal("no resource to serve");
    }
    return new ServedResources(specs);
  }

  /** Every resource's name: the catalogs plain Flight serves. */
  List<String> catalogs() {
    return specs.stream().map(ResourceSpec::name).toList();
  }

  /** The catalogs Flight SQL queries. */
  List<String> sqlCatalogs() {
    return ResourceKinds.sqlCatalogs(specs);
  }

  /** The resource uploaded tables land in. */
  String uploads() {
    return ResourceKinds.uploadResource(specs);
  }
}
