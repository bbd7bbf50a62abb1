package dev.kapu.api;

import java.io.Serializable;

/**
 * A function applied to each item of a map; {@link TaskContext#current()} gives its context.
 *
 * @param <T> the item type
 * @param <R> the result type
 */
@FunctionalInterface
public interface MapFunction<T, R> extends Serializable {
  R apply(T item) throws Exception;
}
