package dev.kapu.client.cli.dashboard;

import java.io.IOException;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.CallOptions;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.auth2.BearerCredentialWriter;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * The dashboard's one way to the server: a Flight client that logs a user in (Flight's Handshake,
 * as the Flight SQL drivers do) and calls the server's admin actions with that user's own bearer
 * token. The server decides who may see and end what, so the dashboard holds no rights of its own.
 */
public final class KapuAdmin implements AutoCloseable {
  static final String STATUS = "kapu.status";
  static final String CANCEL_STATEMENT = "kapu.cancel-statement";
  static final String KILL_SESSION = "kapu.kill-session";
  static final String CANCEL_TASK = "kapu.cancel-task";
  /** The logger of Flight's client that reports each failed login with a stack trace. */
  public static final String HANDSHAKE_LOGGER = "org.apache.arrow.flight.auth2.ClientHandshakeWrapper";

  /** A status or an action answers within this, or the page shows the server as unreachable. */
  private static final CallOption DEADLINE = CallOptions.timeout(15, TimeUnit.SECONDS);

  private final BufferAllocator allocator;
  private final FlightClient client;

  private KapuAdmin(BufferAllocator allocator, FlightClient client) {
    this.allocator = allocator;
    this.client = client;
  }

  /**
   * A client of the server at {@code url} ({@code grpc://} or {@code grpc+tls://}), trusting
   * {@code certificate} (PEM) with TLS if given, else the JVM's trust store.
   */
  public static KapuAdmin connect(URI url, Path certificate) throws IOException {
    BufferAllocator allocator = new RootAllocator(16 << 20); // actions carry JSON only
    FlightClient.Builder builder = FlightClient.builder(allocator, new Location(url));
    if (certificate != null) {
      // read now: the builder reads the stream only when it builds
      builder.trustedCertificates(new ByteArrayInputStream(Files.readAllBytes(certificate)));
    }
    return new KapuAdmin(allocator, builder.build());
  }

  /**
   * Logs {@code user} in; the bearer token the server issued, for the calls that follow. Flight's
   * client logs a refused login with its stack trace ({@link #HANDSHAKE_LOGGER}; the command line
   * silences it), where the dashboard answers it in words.
   */
  CredentialCallOption login(String user, String password) throws AdminException {
    try {
      return client.authenticateBasicToken(user, password)
          .orElseThrow(() -> new AdminException(502, "the server issued no token"));
    } catch (FlightRuntimeException e) {
      throw AdminException.of(e);
    }
  }

  /** Presents {@code token} (the Kapu token) as the bearer token of the calls that follow. */
  static CredentialCallOption bearer(String token) {
    return new CredentialCallOption(new BearerCredentialWriter(token));
  }

  /** The status action's JSON, as the server wrote it. */
  byte[] status(CredentialCallOption login) throws AdminException {
    return call(STATUS, new byte[0], login);
  }

  /** Calls {@code action} (one of the ending actions) on the thing named {@code id}; its answer, if any. */
  byte[] end(String action, String id, CredentialCallOption login) throws AdminException {
    return call(action, id.getBytes(StandardCharsets.UTF_8), login);
  }

  private byte[] call(String type, byte[] body, CredentialCallOption login) throws AdminException {
    try {
      Iterator<Result> results = client.doAction(new Action(type, body), login, DEADLINE);
      byte[] first = results.hasNext() ? results.next().getBody() : new byte[0];
      results.forEachRemaining(r -> { }); // drain, so the call completes
      return first;
    } catch (FlightRuntimeException e) {
      throw AdminException.of(e);
    }
  }

  @Override
  public void close() throws Exception {
    try {
      client.close();
    } finally {
      allocator.close();
    }
  }
}
