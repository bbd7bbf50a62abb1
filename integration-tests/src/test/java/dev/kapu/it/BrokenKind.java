package dev.kapu.it;

import dev.kapu.api.ResourceSpec;
import dev.kapu.daemon.spi.HostedResource;
import dev.kapu.daemon.spi.ResourceEnvironment;
import dev.kapu.daemon.spi.ResourceKind;
import dev.kapu.daemon.spi.TaskScope;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * The {@code broken} resource kind: it opens, then fails every use the way a bug in Kapu's own code
 * would, with an exception no database raised. What a user sees of that must stay INTERNAL.
 */
public final class BrokenKind implements ResourceKind {
  static final String FAILURE = "the broken kind failed on purpose";

  @Override
  public String name() {
    return "broken";
  }

  @Override
  public HostedResource open(ResourceSpec spec, ResourceEnvironment environment) {
    return new HostedResource() {
      @Override
      public <T> T get(Class<T> type, TaskScope scope) {
        throw new IllegalStateException(FAILURE);
      }

      @Override
      public ArrowReader query(String sql, List<?> parameters, BufferAllocator allocator, TaskScope scope) {
        throw new IllegalStateException(FAILURE);
      }

      @Override
      public String kind() {
        return "broken";
      }

      @Override
      public void close() {}
    };
  }
}
