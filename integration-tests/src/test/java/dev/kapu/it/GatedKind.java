package dev.kapu.it;

import dev.kapu.api.ResourceSpec;
import dev.kapu.daemon.spi.HostedResource;
import dev.kapu.daemon.spi.ResourceEnvironment;
import dev.kapu.daemon.spi.ResourceKind;
import dev.kapu.daemon.spi.TaskScope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * The {@code gated} resource kind, for supervision tests: a resource that fails to open, as one
 * whose database is down does, while the file its {@code closedWhile} option names exists. It
 * offers nothing once open. Listed in {@code META-INF/services/dev.kapu.daemon.spi.ResourceKind}.
 */
public final class GatedKind implements ResourceKind {
  @Override
  public String name() {
    return "gated";
  }

  @Override
  public HostedResource open(ResourceSpec spec, ResourceEnvironment environment) {
    Path gate = Path.of(spec.requireOption("closedWhile"));
    if (Files.exists(gate)) {
      throw new IllegalStateException("the gate " + gate + " is closed");
    }
    return new HostedResource() {
      @Override
      public <T> T get(Class<T> type, TaskScope scope) {
        throw new IllegalArgumentException("resource '" + spec.name() + "' offers nothing");
      }

      @Override
      public ArrowReader query(String sql, List<?> parameters, BufferAllocator allocator, TaskScope scope) {
        throw new UnsupportedOperationException("resource '" + spec.name() + "' runs no SQL");
      }

      @Override
      public String kind() {
        return "gated";
      }

      @Override
      public void close() {}
    };
  }
}
