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
   * The echo side, run in a child JVM by {@link #open}: serves one connection on an
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
   * Starts the echo child and connects to it.
   *
   * @throws IOException if the child fails to start; a round trip throws if it stops echoing for 10 s
   */
  public static RoundTrip open() throws IOException {
    ChildJvm echo = ChildJvm.start(TcpEchoPeer.class, List.of(), List.of(), READY_TIMEOUT);
    try {
      Socket socket = new Socket(InetAddress.getLoopbackAddress(), Integer.parseInt(echo.readyText()));
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(READ_TIMEOUT_MILLIS);
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      byte[] message = new byte[MESSAGE_BYTES];
      AutoCloseable opened = () -> {
        try (echo; socket) {
          // the socket first: its end of file ends the child
        }
      };
      return RoundTrip.over(opened, () -> roundTrip(in, out, message));
    } catch (IOException | RuntimeException e) {
      echo.close();
      throw e;
    }
  }

  private static void roundTrip(InputStream in, OutputStream out, byte[] message) throws IOException {
    out.write(message);
    if (in.readNBytes(message, 0, MESSAGE_BYTES) != MESSAGE_BYTES) {
      throw new EOFException("the TCP echo child closed the connection");
    }
  }
}
