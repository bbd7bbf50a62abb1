package dev.kapu.daemon.spi;

/** The lifetime of one task: what is registered here is closed when the task ends. */
public interface TaskScope {
  void closeAtEnd(AutoCloseable resource);
}
