package dev.kapu.daemon.internal;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads for work that may call into a database's native code: a daemon's tasks, its setup
 * tasks, the read-ahead of result streams and the calls its own Flight endpoint serves.
 *
 * <p>DuckDB parses, binds and plans a statement by recursion on the thread that submits it, and
 * reads a streamed result on the thread that fetches it. The JVM gives a thread 1 MiB of stack,
 * which such recursion exhausts below DuckDB's own limit ({@code max_expression_depth}, 1000):
 * subqueries nested 700 deep did. A native stack overflow kills the whole process with no log
 * line and no hs_err file, since the kernel cannot even push the JVM's SIGSEGV handler onto the
 * exhausted stack. With {@value #STACK_MIB} MiB DuckDB reaches its limit and answers with its own
 * error; the parts of its recursion that no limit covers (nested {@code FROM} subqueries and
 * {@code JOIN} chains, before binding) take about 16 MiB per 150,000 levels (measured), so they
 * would need a statement of over a million levels, whose parse alone takes tens of GB, before
 * this stack ran out. The stack is address
 * space: memory is used only as deep as a statement goes.
 */
public final class DatabaseThreads implements ThreadFactory {
  static final int STACK_MIB = 256;
  /** The stack size of these threads, in bytes. */
  public static final long STACK_BYTES = (long) STACK_MIB << 20;

  private final String name;
  private final AtomicInteger count = new AtomicInteger();

  /** Daemon threads named {@code name-1}, {@code name-2}, ... */
  public DatabaseThreads(String name) {
    this.name = name;
  }

  @Override
  public Thread newThread(Runnable work) {
    return thread(work, name + "-" + count.incrementAndGet());
  }

  /** One daemon thread named {@code name}, not yet started. */
  public static Thread thread(Runnable work, String name) {
    Thread t = new Thread(null, work, name, STACK_BYTES);
    t.setDaemon(true);
    return t;
  }
}
