package dev.kapu.daemon.spi;

import dev.kapu.api.ArrowTables;
import org.apache.arrow.memory.BufferAllocator;

/** What a daemon offers the resources it opens. */
public interface ResourceEnvironment {

  /** The daemon's allocator; take a child allocator for what the resource holds. */
  BufferAllocator allocator();

  /** The daemon's in-memory Arrow tables, which SQL resources may expose by name. */
  ArrowTables tables();

  /** The daemon's name, for messages. */
  String daemonId();
}
