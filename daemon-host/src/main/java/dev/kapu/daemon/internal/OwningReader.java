package dev.kapu.daemon.internal;

import dev.kapu.flight.ForwardingReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.ipc.ArrowReader;

/** A reader that releases what produced it (statement, connection, ...) when it is closed. */
public final class OwningReader extends ForwardingReader {
  private final List<AutoCloseable> owned;

  /** @param owned closed after the reader, last first */
  public OwningReader(ArrowReader delegate, List<AutoCloseable> owned) {
    super(delegate);
    this.owned = owned;
  }

  /**
   * After a failure while opening a result: closes what was already opened, last first, except
   * {@code keep} (null for none); close failures are added to {@code failure} as suppressed.
   */
  public static void abandon(List<AutoCloseable> opened, Exception failure, AutoCloseable keep) {
    for (int i = opened.size() - 1; i >= 0; i--) {
      AutoCloseable closeable = opened.get(i);
      if (closeable != keep) {
        try {
          closeable.close();
        } catch (Exception suppressed) {
          failure.addSuppressed(suppressed);
        }
      }
    }
  }

  @Override
  protected void closeReadSource() throws IOException {
    try {
      super.closeReadSource();
    } finally {
      try {
        List<AutoCloseable> lastFirst = new ArrayList<>(owned);
        Collections.reverse(lastFirst);
        AutoCloseables.close(lastFirst);
      } catch (Exception e) {
        throw new IOException(e);
      }
    }
  }
}
