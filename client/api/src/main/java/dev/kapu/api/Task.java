package dev.kapu.api;

import java.io.Serializable;

/**
 * Work to run on a daemon. A task carries exactly what it captures: write it as a lambda over
 * values you want shipped, and nothing else travels. A lambda that reads a field of the object it
 * is written in would carry that whole object; Kapu refuses it at submit, naming the field to copy
 * into a local variable first (or see {@link TaskOptions#allowCapturingThis()}).
 *
 * <pre>{@code
 * int n = 10;
 * kapu.submit(ctx -> expensive(n, ctx.random()));
 * }</pre>
 *
 * @param <T> the result type; it goes back through the codec registry
 */
@FunctionalInterface
public interface Task<T> extends Serializable {
  T run(TaskContext ctx) throws Exception;
}
