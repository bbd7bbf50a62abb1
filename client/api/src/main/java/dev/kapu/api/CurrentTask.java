package dev.kapu.api;

/** Which task runs on this thread: the daemon runtime binds it, {@link TaskContext#current} reads it. */
public final class CurrentTask {
  private static final ThreadLocal<TaskContext> CURRENT = new ThreadLocal<>();

  private CurrentTask() {}

  /** The context bound to this thread, or null. */
  public static TaskContext get() {
    return CURRENT.get();
  }

  /** Binds {@code ctx} to this thread while its task runs. */
  public static void bind(TaskContext ctx) {
    CURRENT.set(ctx);
  }

  /** Unbinds this thread's context, once its task has ended. */
  public static void unbind() {
    CURRENT.remove();
  }
}
