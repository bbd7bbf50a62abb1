package dev.kapu.api;

import java.io.Serializable;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * A task that takes Arrow data as its explicit argument. The client's reader streams to the
 * daemon as record batches; the task reads them as they arrive, from {@code input}.
 *
 * <pre>{@code
 * long total = kapu.submit(reader, (ctx, in) -> {
 *   long sum = 0;
 *   while (in.loadNextBatch()) {
 *     BigIntVector v = (BigIntVector) in.getVectorSchemaRoot().getVector("n");
 *     for (int i = 0; i < v.getValueCount(); i++) sum += v.get(i);
 *   }
 *   return sum;
 * }).join();
 * }</pre>
 *
 * @param <T> the result type; like a {@link Task}'s, it may be Arrow data itself
 */
@FunctionalInterface
public interface ArrowTask<T> extends Serializable {
  /**
   * @param input the argument's batches; read once, and closed when the task ends (return it to
   *     stream it on to the caller)
   */
  T run(TaskContext ctx, ArrowReader input) throws Exception;
}
