package dev.kapu.daemon.spi;

import dev.kapu.api.ResourceSpec;

/**
 * Opens one kind of resource ({@code duckdb}, {@code jdbc}, ...). Implementations are found with
 * {@link java.util.ServiceLoader}: list them in {@code META-INF/services/dev.kapu.daemon.spi.ResourceKind}
 * on every daemon's classpath.
 */
public interface ResourceKind {

  /** The {@code kind} value in a {@link ResourceSpec} that this opens. */
  String name();

  /** Opens the resource at daemon start; throw with a clear message if it cannot be opened. */
  HostedResource open(ResourceSpec spec, ResourceEnvironment environment) throws Exception;
}
