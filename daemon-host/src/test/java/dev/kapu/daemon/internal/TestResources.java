package dev.kapu.daemon.internal;

import dev.kapu.api.ArrowTables;
import dev.kapu.daemon.spi.ResourceEnvironment;
import dev.kapu.daemon.spi.TaskScope;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.util.AutoCloseables;

/** A daemon's side of the resource SPI, small enough for tests of resource kinds. */
public final class TestResources {
  private TestResources() {}

  public static final class Environment implements ResourceEnvironment, AutoCloseable {
    private final RootAllocator allocator = new RootAllocator();
    private final TableStore tables = new TableStore(allocator, Long.MAX_VALUE, names -> {});

    @Override
    public BufferAllocator allocator() {
      return allocator;
    }

    @Override
    public ArrowTables tables() {
      return tables;
    }

    @Override
    public String daemonId() {
      return "test-daemon";
    }

    @Override
    public void close() throws Exception {
      tables.close();
      allocator.close(); // fails on a leak
    }
  }

  /** A scope for queries whose readers own all they open, and that nobody stops. */
  static final TaskScope SCOPE = new Scope();

  /** One task's lifetime. */
  public static final class Scope implements TaskScope, AutoCloseable {
    private final List<AutoCloseable> resources = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void closeAtEnd(AutoCloseable resource) {
      resources.add(resource);
    }

    @Override
    public void close() throws Exception {
      List<AutoCloseable> lastFirst = new ArrayList<>(resources);
      Collections.reverse(lastFirst);
      AutoCloseables.close(lastFirst);
    }
  }
}
