package dev.kapu.it;

import dev.kapu.serial.Codec;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A codec for values of any size that never exist in memory: a {@link Pattern} writes {@code size}
 * bytes of a fixed pattern block by block, and reading checks every byte without keeping them.
 * Found through ServiceLoader, so the client and every daemon know it.
 */
public final class PatternCodec implements Codec<PatternCodec.Pattern> {

  /**
   * {@code size} bytes of the pattern. Writing fails at byte {@code failWriteAt}, reading at
   * {@code failReadAt}, and reading pauses once at {@code pauseReadAt} until the test resumes it
   * ({@link #pause}); -1 for never.
   */
  public record Pattern(long size, long failWriteAt, long failReadAt, long pauseReadAt) {
    public static Pattern of(long size) {
      return new Pattern(size, -1, -1, -1);
    }
  }

  /** A multiple of the pattern's period, so every block starts in phase. */
  private static final byte[] BLOCK = new byte[251 * 261];

  static {
    for (int i = 0; i < BLOCK.length; i++) {
      BLOCK[i] = (byte) (i % 251);
    }
  }

  /** Counted down when a reader reaches its pause, awaited before it goes on (this JVM only). */
  static volatile CountDownLatch paused = new CountDownLatch(1);
  static volatile CountDownLatch resume = new CountDownLatch(1);

  @Override
  public String id() {
    return "test.pattern";
  }

  @Override
  public Class<Pattern> type() {
    return Pattern.class;
  }

  @Override
  public void write(Pattern value, DataOutput out) throws IOException {
    out.writeLong(value.size());
    out.writeLong(value.failReadAt());
    out.writeLong(value.pauseReadAt());
    long written = 0;
    while (written < value.size()) {
      if (value.failWriteAt() >= 0 && written >= value.failWriteAt()) {
        throw new IOException("the pattern writer gave up at byte " + written);
      }
      int n = (int) Math.min(BLOCK.length, value.size() - written);
      out.write(BLOCK, 0, n);
      written += n;
    }
  }

  @Override
  public Pattern read(DataInput in) throws IOException {
    long size = in.readLong();
    long failAt = in.readLong();
    long pauseAt = in.readLong();
    byte[] buffer = new byte[BLOCK.length];
    long read = 0;
    while (read < size) {
      if (failAt >= 0 && read >= failAt) {
        throw new IOException("the pattern reader gave up at byte " + read);
      }
      if (pauseAt >= 0 && read >= pauseAt) {
        pauseAt = -1;
        pause();
      }
      int n = (int) Math.min(BLOCK.length, size - read);
      in.readFully(buffer, 0, n);
      int wrong = Arrays.mismatch(buffer, 0, n, BLOCK, 0, n);
      if (wrong >= 0) {
        throw new IOException("byte " + (read + wrong) + " of the pattern is wrong");
      }
      read += n;
    }
    return Pattern.of(size);
  }

  private static void pause() throws IOException {
    paused.countDown();
    try {
      if (!resume.await(60, TimeUnit.SECONDS)) {
        throw new IOException("the test never resumed the reader");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while paused", e);
    }
  }
}
