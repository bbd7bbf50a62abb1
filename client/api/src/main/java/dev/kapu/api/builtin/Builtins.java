package dev.kapu.api.builtin;

import dev.kapu.api.TaskContext;
import java.util.List;
import java.util.ServiceLoader;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * What carries out Kapu's own tasks on a daemon. The tasks in this package are data (what to run,
 * where); the daemon runtime, found with {@link ServiceLoader} as grpc-java finds its transports,
 * does the work. A process without a daemon runtime on its class path can build and send these
 * tasks but not run them.
 */
public interface Builtins {

  ArrowReader query(TaskContext ctx, QueryTask task) throws Exception;

  ParkQueryTask.Parked park(TaskContext ctx, ParkQueryTask task) throws Exception;

  ParkQueryTask.Parked parkTable(TaskContext ctx, String table) throws Exception;

  long update(TaskContext ctx, UpdateTask task) throws Exception;

  DescribeTask.Description describe(TaskContext ctx, DescribeTask task) throws Exception;

  List<List<Object>> catalogMetadata(TaskContext ctx, CatalogMetadataTask task) throws Exception;

  /** The Arrow argument the client streamed for the running task, under {@code ticket}. */
  ArrowReader input(TaskContext ctx, String ticket) throws Exception;

  /** Carries out one step of a transaction the daemon holds. */
  <T> T transaction(TaskContext ctx, TransactionTasks.Step<T> step) throws Exception;

  /** The daemon runtime of this process. */
  static Builtins get() {
    return Loaded.INSTANCE;
  }

  /** Loads once, on first use. */
  final class Loaded {
    private static final Builtins INSTANCE = ServiceLoader.load(Builtins.class).findFirst()
        .orElseThrow(() -> new IllegalStateException(
            "Kapu's built-in tasks run on a daemon: add dev.kapu:kapu-daemon-host to this process's class path"));

    private Loaded() {}
  }
}
