package dev.kapu.api;

import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * A {@link Callable} that can travel to a daemon. Java makes a lambda serializable only when its
 * target type is: a lambda written where a plain {@code Callable} is expected cannot be sent, one
 * written where this type is expected can.
 *
 * <pre>{@code
 * List<SerializableCallable<Integer>> calls = List.of(() -> 1, () -> 2);
 * kapu.executor().invokeAll(calls);
 * }</pre>
 *
 * @param <V> the result type
 */
@FunctionalInterface
public interface SerializableCallable<V> extends Callable<V>, Serializable {}
