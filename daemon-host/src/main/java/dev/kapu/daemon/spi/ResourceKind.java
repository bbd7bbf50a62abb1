package dev.kapu.daemon.spi;

import dev.kapu.api.ResourceSpec;

/**
 * Opens one kind of resource ({@code duckdb}, {@code jdbc}, ...). Implementations are found with
 * {@link java.util.ServiceLoader}: list them in {@code META-INF/services/dev.kapu.daemon.spi.ResourceKind}
 * on every daemon's classpath.
 *
 * <p>Besides opening, a kind answers what the server that assembles daemons asks of it before
 * any daemon runs (which resources are SQL catalogs, where uploaded tables go, what a client is
 * told when a resource's daemon is lost); the defaults describe a kind that offers none of that.
 */
public interface ResourceKind {

  /** The {@code kind} value in a {@link ResourceSpec} that this opens. */
  String name();

  /** Opens the resource at daemon start; throw with a clear message if it cannot be opened. */
  HostedResource open(ResourceSpec spec, ResourceEnvironment environment) throws Exception;

  /**
   * Whether its resources answer Flight SQL's catalog metadata (schemas, tables, SQL info) and
   * its transactions, from the {@link java.sql.Connection} they offer ({@link
   * HostedResource#get}). The default: no, it is not a SQL catalog.
   */
  default boolean sqlCatalog() {
    return false;
  }

  /** What its resources have to do with the daemon's Arrow tables; the default: nothing. */
  default TableRole tableRole() {
    return TableRole.NONE;
  }

  /**
   * How much memory {@code spec} lets the daemon's Arrow tables take, in bytes; {@link
   * Long#MAX_VALUE} (the default) if it does not bound them.
   *
   * @throws IllegalArgumentException if the spec's option is malformed
   */
  default long tableMemoryLimit(ResourceSpec spec) {
    return Long.MAX_VALUE;
  }

  /**
   * What a client is told of a pinned resource of this kind when its daemon dies and a supervisor
   * opens it again on a new daemon (the statement that was running failed).
   */
  default String reopenedNote(ResourceSpec spec) {
    return "it is being reopened on a new daemon, with what its daemon held in memory lost";
  }

  /** What a kind's resources have to do with the daemon's Arrow tables (uploads go where they are seen). */
  enum TableRole {
    /** They neither hold nor see the tables. */
    NONE,
    /** Their SQL reads the daemon's tables by name. */
    QUERIES,
    /** They are the tables themselves, so work routed by their name lands where the tables are. */
    HOLDS
  }
}
