package dev.kapu.api;

import java.io.Serializable;

/**
 * A {@link Runnable} that can travel to a daemon: write a lambda where this type is expected and
 * Java makes it serializable (see {@link SerializableCallable}).
 */
@FunctionalInterface
public interface SerializableRunnable extends Runnable, Serializable {}
