package dev.kapu.daemon.internal;

import dev.kapu.api.ArrowTables;
import dev.kapu.api.ResourceSpec;
import dev.kapu.daemon.spi.HostedResource;
import dev.kapu.daemon.spi.ResourceEnvironment;
import dev.kapu.daemon.spi.ResourceKind;
import dev.kapu.daemon.spi.TaskScope;
import java.util.List;
import java.util.Locale;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * {@code kind: arrow}: the daemon's in-memory Arrow tables as a named resource, so that routing
 * can send work to the daemon that holds them (declare it {@code pinned}). Its memory limit is the
 * daemon's {@code --table-memory}. SQL over the tables runs through a duckdb resource on the same
 * daemon.
 */
public final class ArrowKind implements ResourceKind {
  @Override
  public String name() {
    return "arrow";
  }

  @Override
  public TableRole tableRole() {
    return TableRole.HOLDS;
  }

  /** Its {@code memoryLimit} ({@code 512MB}, {@code 2GiB}, bytes) bounds the daemon's tables. */
  @Override
  public long tableMemoryLimit(ResourceSpec spec) {
    String limit = spec.option("memoryLimit", null);
    return limit == null ? Long.MAX_VALUE : parseBytes(limit, spec.name());
  }

  @Override
  public String reopenedNote(ResourceSpec spec) {
    return "its tables were lost and it is being restarted empty";
  }

  static long parseBytes(String text, String resource) {
    String t = text.trim().toUpperCase(Locale.ROOT).replace("IB", "B");
    long unit = 1;
    for (String[] suffix : new String[][] {{"KB", "1024"}, {"MB", "1048576"}, {"GB", "1073741824"}, {"TB", "1099511627776"}, {"B", "1"}}) {
      if (t.endsWith(suffix[0])) {
        unit = Long.parseLong(suffix[1]);
        t = t.substring(0, t.length() - suffix[0].length()).trim();
        break;
      }
    }
    try {
      return Math.round(Double.parseDouble(t) * unit);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("resource '" + resource + "': memoryLimit '" + text
          + "' is not a size such as 512MB");
    }
  }

  @Override
  public HostedResource open(ResourceSpec spec, ResourceEnvironment environment) {
    ArrowTables tables = environment.tables();
    return new HostedResource() {
      @Override
      public String kind() {
        return "arrow";
      }

      @Override
      public <T> T get(Class<T> type, TaskScope scope) {
        if (!type.isAssignableFrom(ArrowTables.class)) {
          throw new IllegalArgumentException("an arrow resource offers " + ArrowTables.class.getName()
              + ", not a " + type.getName());
        }
        return type.cast(tables);
      }

      @Override
      public ArrowReader query(String sql, List<?> parameters, BufferAllocator allocator, TaskScope scope) {
        throw new IllegalArgumentException("resource '" + spec.name() + "' holds Arrow tables and runs"
            + " no SQL: query them through a duckdb resource on the same daemon");
      }

      @Override
      public void close() {}
    };
  }
}
