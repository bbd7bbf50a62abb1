package dev.kapu.daemon.spi;

import java.util.List;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A function over Arrow batches that Flight clients call with {@code DoExchange}: the client
 * streams batches in, the function's batches stream back, one input batch at a time on a daemon.
 * Implementations are found with {@link java.util.ServiceLoader}: list them in {@code
 * META-INF/services/dev.kapu.daemon.spi.ColumnarFunction} on every daemon's classpath. The
 * exchange's descriptor is the path {@code [name, argument...]}.
 *
 * <pre>{@code
 * public final class Scale implements ColumnarFunction {
 *   public String name() { return "scale"; }
 *   public Call open(Schema input, List<String> arguments) {
 *     double factor = Double.parseDouble(arguments.get(0));
 *     return new Call() {
 *       public Schema output() { return new Schema(List.of(Field.nullable("y", FLOAT8))); }
 *       public void apply(VectorSchemaRoot in, VectorSchemaRoot out) {
 *         BigIntVector x = (BigIntVector) in.getVector(0);
 *         Float8Vector y = (Float8Vector) out.getVector(0);
 *         for (int i = 0; i < in.getRowCount(); i++) y.setSafe(i, x.get(i) * factor);
 *         out.setRowCount(in.getRowCount());
 *       }
 *     };
 *   }
 * }
 * }</pre>
 */
public interface ColumnarFunction {

  /** The name clients call it by: the first element of the exchange's descriptor path. */
  String name();

  /**
   * Begins one call, before the first batch arrives. Throw {@link IllegalArgumentException} for
   * an input schema or arguments it cannot take: the client gets that message.
   *
   * @param input the schema of every batch to come
   * @param arguments the descriptor path's elements after the name
   */
  Call open(Schema input, List<String> arguments) throws Exception;

  /** One call's state; its methods are called in order on one thread. */
  interface Call extends AutoCloseable {

    /** The schema of every output batch. */
    Schema output();

    /**
     * Turns one input batch into output rows: write them into {@code out} (empty, of {@link
     * #output()}; fill vectors with {@code setSafe} or transfers) and set its row count. Zero rows
     * send nothing. Neither root may be kept after the call returns.
     */
    void apply(VectorSchemaRoot in, VectorSchemaRoot out) throws Exception;

    /** After the last input batch: rows that depend on all of them (an aggregate), if any. */
    default void finish(VectorSchemaRoot out) throws Exception {}

    /** Releases what the call holds, whether it finished or failed. */
    @Override
    default void close() throws Exception {}
  }
}
