package dev.kapu.serial;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * An exception as it was thrown in another process: its class name, message, stack trace and
 * causes, and the category the process that threw it judged it to be (null: a fault of Kapu's own,
 * or a task's own exception). It travels as data, so the exception's class need not exist on the
 * receiving side.
 */
public record RemoteError(String className, String message, List<StackTraceElement> stackTrace, RemoteError cause,
    ErrorCategory category) {

  private static final int MAX_CAUSES = 16;

  /** Stands for "this item ran past its timeout": no exception of any class was thrown. */
  private static final String TIMED_OUT = "kapu.TimedOut";

  /** The error recorded for a call that was stopped at its timeout. */
  public static RemoteError timedOut(String message) {
    return new RemoteError(TIMED_OUT, message, List.of(), null, null);
  }

  /** Whether this records a timeout rather than a thrown exception. */
  public boolean timedOut() {
    return TIMED_OUT.equals(className);
  }

  public static RemoteError of(Throwable t) {
    return of(t, 0);
  }

  /** {@code t} as its source judged it: in {@code category}, with {@code message} for its own. */
  public static RemoteError of(Throwable t, ErrorCategory category, String message) {
    RemoteError error = of(t);
    return new RemoteError(error.className, message, error.stackTrace, error.cause, category);
  }

  private static RemoteError of(Throwable t, int depth) {
    Throwable cause = t.getCause();
    return new RemoteError(
        t.getClass().getName(),
        t.getMessage(),
        List.of(t.getStackTrace()),
        cause != null && cause != t && depth < MAX_CAUSES ? of(cause, depth + 1) : null,
        null);
  }

  /** The category alone travels in the envelope's entry tag, so an uncategorized error is written as before. */
  void write(DataOutput out) throws IOException {
    out.writeUTF(className);
    writeNullable(out, message);
    out.writeInt(stackTrace.size());
    for (StackTraceElement e : stackTrace) {
      out.writeUTF(e.getClassName());
      out.writeUTF(e.getMethodName());
      writeNullable(out, e.getFileName());
      out.writeInt(e.getLineNumber());
    }
    out.writeBoolean(cause != null);
    if (cause != null) {
      cause.write(out);
    }
  }

  static RemoteError read(DataInput in, ErrorCategory category) throws IOException {
    String className = in.readUTF();
    String message = readNullable(in);
    int frames = in.readInt();
    List<StackTraceElement> stack = new ArrayList<>(frames);
    for (int i = 0; i < frames; i++) {
      String declaring = in.readUTF();
      String method = in.readUTF();
      String file = readNullable(in);
      int line = in.readInt();
      stack.add(new StackTraceElement(declaring, method, file, line));
    }
    RemoteError cause = in.readBoolean() ? read(in, null) : null;
    return new RemoteError(className, message, List.copyOf(stack), cause, category);
  }

  // Messages may exceed writeUTF's 64 KiB; they are cut rather than failing the whole result.
  private static void writeNullable(DataOutput out, String s) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) {
      out.writeUTF(s.length() > 16_000 ? s.substring(0, 16_000) + "…" : s);
    }
  }

  private static String readNullable(DataInput in) throws IOException {
    return in.readBoolean() ? in.readUTF() : null;
  }
}
