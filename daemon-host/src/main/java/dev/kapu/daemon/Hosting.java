package dev.kapu.daemon;

import dev.kapu.api.ArrowTables;
import dev.kapu.api.spi.DaemonOptions;
import dev.kapu.daemon.internal.DaemonCalls;
import dev.kapu.daemon.internal.DaemonStreams;
import dev.kapu.daemon.internal.OpenTransactions;
import dev.kapu.daemon.internal.ResourceRegistry;
import dev.kapu.daemon.internal.TableStore;
import dev.kapu.daemon.spi.ResourceEnvironment;
import dev.kapu.flight.Hosts;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a daemon hosts: its resources, its Arrow tables, the transactions open on them and the
 * Flight endpoint that serves their streams. Opened when the daemon starts, named to the
 * dispatcher (which routes work here by those names), released once when it leaves.
 */
final class Hosting {
  private static final Logger log = LoggerFactory.getLogger(Hosting.class);

  private final BufferAllocator allocator = new RootAllocator();
  private final TableStore tables;
  private final ResourceRegistry resources;
  private final OpenTransactions transactions;
  private final DaemonStreams streams;

  /**
   * @param timer the daemon's timer: transactions' idle timeouts and streams' expiry run on it
   * @param announce tells the dispatcher {@link #names()} again: tables or transactions changed
   */
  Hosting(DaemonOptions options, String daemonId, ScheduledExecutorService timer, Runnable announce) {
    this.tables = new TableStore(allocator, ResourceKinds.tableMemoryLimit(options.resources()), names -> announce.run());
    try {
      this.resources = ResourceRegistry.open(options.resources(), new ResourceEnvironment() {
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
          return daemonId;
        }
      });
      this.transactions = new OpenTransactions(resources::get, timer, announce);
      String dispatcher = options.endpoint().url().getHost();
      boolean local = Hosts.isLoopback(dispatcher);
      // Reached over loopback, the dispatcher and its clients are on this machine; otherwise they
      // dial this daemon at the address it reaches the dispatcher from.
      this.streams = new DaemonStreams(allocator, local ? "127.0.0.1" : "0.0.0.0",
          local ? "127.0.0.1" : Hosts.addressToward(dispatcher), options.endpoint().token(), timer,
          TimeUnit.MINUTES.toMillis(5), new DaemonCalls(tables, resources, transactions, allocator));
    } catch (Exception e) {
      closeQuietly(tables);
      throw e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
    }
  }

  BufferAllocator allocator() {
    return allocator;
  }

  TableStore tables() {
    return tables;
  }

  ResourceRegistry resources() {
    return resources;
  }

  OpenTransactions transactions() {
    return transactions;
  }

  DaemonStreams streams() {
    return streams;
  }

  /** Resources, tables and, once it holds transactions, their address: what the dispatcher routes here by name. */
  List<String> names() {
    List<String> names = new ArrayList<>(resources.names());
    names.addAll(tables.names());
    if (transactions.announced()) {
      names.add(transactions.address());
    }
    return names;
  }

  /**
   * Whether work waits here with no task running: an open transaction (it ends by its own
   * timeout), or a result waiting or streaming. A daemon holding it is not idle.
   */
  boolean holdsWork() {
    return !transactions.isEmpty() || streams.busy();
  }

  /** Stops serving streams: the first thing released when the daemon leaves. */
  void closeStreams() {
    closeQuietly(streams);
  }

  /** Rolls the open transactions back, then closes the resources they ran in, the tables and the memory. */
  void release() {
    closeQuietly(transactions);
    closeQuietly(resources);
    closeQuietly(tables);
    closeQuietly(allocator);
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      log.warn("closing {} failed: {}", c.getClass().getSimpleName(), e.toString());
    }
  }
}
