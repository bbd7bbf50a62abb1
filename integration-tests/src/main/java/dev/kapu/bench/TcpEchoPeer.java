package dev.kapu.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;

/**
 * The floor: an 8-byte echo over plain blocking TCP between two JVMs on loopback. No remote task
 * round trip can beat it, so it shows how much of a peer's time is the machine (scheduling two
 * processes on two cores, the loopback stack) rather than the peer's own work.
 *
 * <p>Both ends set TCP_NODELAY, as every RPC stack does; without it Nagle's algorithm and delayed
 * ACKs would add milliseconds and make the floor meaningless.
 */
public final class TcpEchoPeer {

  private static final int MESSAGE_BYTES = 8;
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
  /** A reply this late means the echo child is stuck; fail rather than hang the benchmark. */
  private static final int READ_TIMEOUT_MILLIS = 10_000;

  private TcpEchoPeer() {}

  /**
   * The echo side, run in a child JVM by {@link #measureRoundTrips}: serves one connection on an
   * ephemeral loopback port, announced as {@code READY <port>}, and exits at its end of file.
   */
  public static void main(String[] args) throws IOException {
    ChildJvm.exitWithParent();
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      System.out.println("READY " + server.getLocalPort());
      try (Socket socket = server.accept()) {
        socket.setTcpNoDelay(true);
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        byte[] message = new byte[MESSAGE_BYTES];
        while (in.readNBytes(message, 0, MESSAGE_BYTES) == MESSAGE_BYTES) {
          out.write(message);
        }
      }
    }
  }

  /**
   * Starts the echo child, makes {@code warmup} untimed round trips so both JITs have compiled the
   * path, then times {@code count} round trips one at a time.
   *
   * @return the duration of each timed round trip, in nanoseconds
   * @throws IOException if the child fails to start, or stops echoing for 10 s
   */
  public static long[] measureRoundTrips(int warmup, int count) throws IOException {
    try (ChildJvm echo = ChildJvm.start(TcpEchoPeer.class, List.of(), List.of(), READY_TIMEOUT);
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), Integer.parseInt(echo.readyText()))) {
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(READ_TIMEOUT_MILLIS);
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      byte[] message = new byte[MESSAGE_BYTES];
      for (int i = 0; i < warmup; i++) {
        roundTrip(in, out, message);
      }
      long[] nanos = new long[count];
      for (int i = 0; i < count; i++) {
        long start = System.nanoTime();
        roundTrip(in, out, message);
        nanos[i] = System.nanoTime() - start;
      }
      return nanos;
    }
  }

  private static void roundTrip(InputStream in, OutputStream out, byte[] message) throws IOException {
    out.write(message);
    if (in.readNBytes(message, 0, MESSAGE_BYTES) != MESSAGE_BYTES) {
      throw new EOFException("the TCP echo child closed the connection");
    }
  }
}
