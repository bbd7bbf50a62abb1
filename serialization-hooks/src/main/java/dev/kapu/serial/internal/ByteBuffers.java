package dev.kapu.serial.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;

/** Byte buffers for envelopes. */
public final class ByteBuffers {
  private ByteBuffers() {}

  public static DataInputStream input(byte[] bytes) {
    return new DataInputStream(new ByteArrayInputStream(bytes));
  }

  /** A byte array output that can be cut back to an earlier size. */
  public static final class Growable extends ByteArrayOutputStream {
    public Growable(int capacity) {
      super(capacity);
    }

    public void truncate(int size) {
      if (size < 0 || size > count) {
        throw new IllegalArgumentException("size " + size + " outside 0.." + count);
      }
      count = size;
    }
  }
}
