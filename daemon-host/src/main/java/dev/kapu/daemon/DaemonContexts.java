package dev.kapu.daemon;

import dev.kapu.api.ArrowTables;
import dev.kapu.api.ReadOnlyException;
import dev.kapu.api.StreamTicket;
import dev.kapu.api.TaskContext;
import dev.kapu.api.builtin.ParkQueryTask;
import dev.kapu.daemon.internal.DaemonStreams;
import dev.kapu.daemon.internal.OpenTransactions;
import dev.kapu.daemon.internal.OwningReader;
import dev.kapu.daemon.internal.PendingResult;
import dev.kapu.daemon.internal.ResourceRegistry;
import dev.kapu.daemon.internal.ResultSetArrowReader;
import dev.kapu.daemon.internal.SingleRootReader;
import dev.kapu.daemon.internal.StopActions;
import dev.kapu.daemon.spi.HostedResource;
import dev.kapu.daemon.spi.TaskScope;
import dev.kapu.flight.DecodedReader;
import dev.kapu.flight.Dictionaries;
import dev.kapu.flight.ErrorStatuses;
import dev.kapu.flight.ForwardingReader;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The task context implementation and the thread's current one. */
final class DaemonContexts {
  private static final Logger log = LoggerFactory.getLogger(DaemonContexts.class);

  private DaemonContexts() {}

  /** The daemon's own context behind {@code ctx}: Kapu's SQL tasks reach read-only access through it. */
  static Context of(TaskContext ctx) {
    if (ctx instanceof Context context) {
      return context;
    }
    throw new IllegalStateException("not a Kapu daemon's task context: " + ctx.getClass().getName());
  }

  /** What every task on a daemon shares. */
  record Services(
      String daemonId,
      ConcurrentMap<String, Object> state,
      ResourceRegistry resources,
      ArrowTables tables,
      BufferAllocator allocator,
      DaemonStreams streams,
      Function<String, ArrowReader> parked,
      OpenTransactions transactions,
      Executor queries) {}

  /** One call's context; what it opens is closed by {@link #close()}. */
  static final class Context implements TaskContext, TaskScope, AutoCloseable {
    private final Services services;
    private final long seed;
    private final long sequence;
    private final long index;
    private final BooleanSupplier stopRequested;
    private final List<AutoCloseable> scope = new ArrayList<>();
    private final StopActions stops = new StopActions();
    private static final int JDBC_BATCH_ROWS = 65_536;
    private RandomGenerator random;
    private BufferAllocator allocator;

    Context(Services services, long seed, long sequence, long index, BooleanSupplier stopRequested) {
      this.services = services;
      this.seed = seed;
      this.sequence = sequence;
      this.index = index;
      this.stopRequested = stopRequested;
    }

    @Override
    public RandomGenerator random() {
      if (random == null) {
        random = new SplittableRandom(streamSeed(seed, sequence, index));
      }
      return random;
    }

    @Override
    public ConcurrentMap<String, Object> state() {
      return services.state();
    }

    @Override
    public String daemonId() {
      return services.daemonId();
    }

    @Override
    public boolean stopRequested() {
      return stopRequested.getAsBoolean() || Thread.currentThread().isInterrupted();
    }

    @Override
    public <T> T resource(String name, Class<T> type) {
      try {
        return services.resources().get(name).get(type, this);
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException("resource '" + name + "': " + e.getMessage(), e);
      }
    }

    @Override
    public ArrowReader query(String resource, String sql, Object... parameters) {
      return query(resource, sql, parameters, false);
    }

    /**
     * For a caller who may only read: {@link #query} through the resource's {@code queryReadOnly}.
     * Package-private: Kapu's own SQL tasks carry the flag; a task's own code holds the daemon anyway.
     */
    ArrowReader queryReadOnly(String resource, String sql, Object... parameters) {
      return query(resource, sql, parameters, true);
    }

    /** The transactions this daemon holds open, for Kapu's transaction tasks. */
    OpenTransactions transactions() {
      return services.transactions();
    }

    /** The hosted resource called {@code name}, for what Kapu's SQL tasks ask of its kind. */
    HostedResource hosted(String name) {
      return services.resources().get(name);
    }

    /** For a caller who may only read: the resource's read-only connection, closed when the task ends. */
    Connection readOnlyConnection(String resource) throws Exception {
      return services.resources().get(resource).readOnlyConnection(this);
    }

    private ArrowReader query(String resource, String sql, Object[] parameters, boolean readOnly) {
      ArrowReader reader = DaemonContexts.query(services.resources().get(resource), resource, sql,
          Arrays.asList(parameters), readOnly, allocator(), this);
      scope.add(reader);
      return reader;
    }

    @Override
    public void onStop(StopAction action) {
      stops.add(action);
    }

    /** Stops the work this task started in its resources (a statement under way), as it is cancelled. */
    void stopWork() {
      stops.stop();
    }

    @Override
    public ArrowReader arrow(ResultSet resultSet) {
      List<AutoCloseable> owned = new ArrayList<>();
      try {
        Statement statement = resultSet.getStatement();
        Connection connection = statement == null ? null : statement.getConnection();
        if (connection != null && scope.remove(connection)) {
          owned.add(connection); // the task's own connection now lives as long as the stream
        }
        if (statement != null) {
          owned.add(statement);
        }
        owned.add(resultSet);
        ArrowReader reader = new OwningReader(ResultSetArrowReader.of(resultSet, allocator(), JDBC_BATCH_ROWS), owned);
        scope.add(reader);
        return reader;
      } catch (Exception e) {
        OwningReader.abandon(owned, e, null);
        throw new IllegalStateException("cannot read the result set as Arrow: " + e.getMessage(), e);
      }
    }

    @Override
    public ArrowTables tables() {
      return services.tables();
    }

    @Override
    public BufferAllocator allocator() {
      if (allocator == null) {
        // Result streams outlive the task, so they come from the daemon's allocator, not a task child.
        allocator = services.allocator();
      }
      return allocator;
    }

    /** A stream parked at the dispatcher for this task, fetched as it is read; closed at the end. */
    ArrowReader parked(String ticket) {
      ArrowReader reader = services.parked().apply(ticket);
      scope.add(reader);
      return reader;
    }

    @Override
    public void closeAtEnd(AutoCloseable resource) {
      scope.add(resource);
    }

    /**
     * A task's Arrow result (a reader, or a root the task filled) is handed to the daemon's
     * Flight endpoint, and the caller receives a ticket to stream it: batches, never one blob.
     * Any other value is returned as it is.
     */
    Object parkIfArrow(Object value) {
      ArrowReader reader;
      if (value instanceof ArrowReader r) {
        reader = r;
      } else if (value instanceof VectorSchemaRoot root) {
        reader = new SingleRootReader(root);
      } else {
        return value;
      }
      scope.remove(value); // the endpoint closes it once streamed
      return new StreamTicket(services.streams().url(), services.streams().park(reader),
          value instanceof VectorSchemaRoot);
    }

    /** Parks {@code reader} on this daemon's endpoint for someone else to fetch; the endpoint closes it. */
    ParkQueryTask.Parked park(ArrowReader reader) {
      scope.remove(reader);
      return new ParkQueryTask.Parked(services.streams().url(), services.streams().park(reader));
    }

    @Override
    public void close() {
      stops.end();
      List<AutoCloseable> lastFirst = new ArrayList<>(scope);
      Collections.reverse(lastFirst);
      scope.clear();
      for (AutoCloseable c : lastFirst) {
        try {
          c.close();
        } catch (Exception e) {
          log.warn("closing a task's {} failed: {}", c.getClass().getSimpleName(), e.toString());
        }
      }
    }
  }

  /**
   * Runs a query on {@code hosted} within {@code scope}; a database's refusal to write for a
   * read-only caller becomes a {@link ReadOnlyException}, any other checked failure a {@link
   * QueryException} with the database's message.
   */
  static ArrowReader query(HostedResource hosted, String resource, String sql, List<?> parameters, boolean readOnly,
      BufferAllocator allocator, TaskScope scope) {
    try {
      return new NamingFailures(resource, readOnly
          ? hosted.queryReadOnly(sql, parameters, allocator, scope)
          : hosted.query(sql, parameters, allocator, scope));
    } catch (Exception e) {
      if (readOnly) {
        ReadOnlyException.throwIfDatabaseRefusal(e);
      }
      throw statementFailed(resource, e);
    }
  }

  /**
   * Starts a query on one of the daemon's query threads and parks its result on the daemon's
   * endpoint at once, before the query produces anything: the ticket's {@code DoGet} waits for it,
   * and a cancel stops the database's work (see {@link PendingResult}).
   *
   * @param decodeDictionaries dictionary-encoded columns go out as their values ({@link DecodedReader})
   * @param failure the status a client fetching the result gets for the query's failure
   * @param announced the result's schema as its client was told it
   */
  static ParkQueryTask.Parked parkOpening(TaskContext ctx, String resource, String sql, List<Object> parameters,
      boolean readOnly, boolean decodeDictionaries, Function<Throwable, FlightRuntimeException> failure,
      Schema announced) {
    Services services = ((Context) ctx).services;
    HostedResource hosted = services.resources().get(resource);
    PendingResult result = PendingResult.open(services.queries(), scope -> {
      ArrowReader reader = query(hosted, resource, sql, parameters, readOnly, services.allocator(), scope);
      return decodeDictionaries ? decoded(reader) : reader;
    }, failure, announced);
    return new ParkQueryTask.Parked(services.streams().url(), services.streams().park(result));
  }

  /** {@code reader} with its dictionary-encoded columns decoded to their values; itself if it has none. */
  static ArrowReader decoded(ArrowReader reader) throws IOException {
    if (!Dictionaries.used(reader.getVectorSchemaRoot().getSchema())) {
      return reader;
    }
    try {
      return new DecodedReader(reader);
    } catch (IOException | RuntimeException e) {
      reader.close();
      throw e;
    }
  }

  /** {@link Context#park} for a task's context (tasks only see the {@link TaskContext} interface). */
  static ParkQueryTask.Parked park(TaskContext ctx, ArrowReader reader) {
    return ((Context) ctx).park(reader);
  }

  /** A statement the database refused: the database's message, after the resource's name. */
  static final class QueryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    QueryException(String resource, Exception cause) {
      super("statement on '" + resource + "' failed: " + cause.getMessage(), cause);
    }
  }

  /**
   * A statement's result that names its resource when reading it fails: the database may compute
   * as the result is read (DuckDB streams), so its errors can come after the statement started.
   */
  private static final class NamingFailures extends ForwardingReader {
    private final String resource;

    NamingFailures(String resource, ArrowReader source) {
      super(source);
      this.resource = resource;
    }

    @Override
    public boolean loadNextBatch() throws IOException {
      try {
        return source.loadNextBatch();
      } catch (IOException | RuntimeException e) {
        throw new IOException("statement on '" + resource + "' failed as its result was read: "
            + ErrorStatuses.message(e), e);
      }
    }
  }

  /** {@code failure} of a statement on {@code resource}, naming it; Kapu's own exceptions pass as they are. */
  static RuntimeException statementFailed(String resource, Exception failure) {
    return failure instanceof RuntimeException r ? r : new QueryException(resource, failure);
  }

  /** Mixes the three coordinates so that neighbouring streams are unrelated (SplitMix64's finaliser). */
  static long streamSeed(long seed, long sequence, long index) {
    long x = mix(seed + 0x9E3779B97F4A7C15L);
    x = mix(x ^ (sequence * 0xBF58476D1CE4E5B9L));
    return mix(x ^ (index * 0x94D049BB133111EBL));
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
