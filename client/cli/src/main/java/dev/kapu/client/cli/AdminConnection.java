package dev.kapu.client.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.auth2.BearerCredentialWriter;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import picocli.CommandLine.Option;

/**
 * How {@code kapu status}, {@code kapu kill-session} and the cancels reach a server's operator
 * actions: its URL, and the Kapu token or an admin user's name and password (picocli mixin).
 */
final class AdminConnection {

  @Option(names = "--url", required = true, paramLabel = "URL",
      description = "The server: grpc://host:port or grpc+tls://host:port.")
  URI url;

  @Option(names = "--user", defaultValue = "kapu", description = "A user with the admin right (default ${DEFAULT-VALUE}).")
  String user;

  @Option(names = "--password", description = "Its password (default: $KAPU_PASSWORD).")
  String password;

  @Option(names = "--token-file", paramLabel = "FILE", description = "Present the Kapu token in this file instead"
      + " of a user (default: $KAPU_TOKEN, if set).")
  Path tokenFile;

  @Option(names = "--trust-cert", paramLabel = "FILE",
      description = "With grpc+tls://: a PEM certificate to trust, e.g. the one kapu serve --tls prints.")
  Path trustCert;

  /** An open connection to the server, authenticated. */
  Session open() throws IOException {
    return new Session(this);
  }

  /** One connection: call {@link #call} as often as needed, then close. */
  static final class Session implements AutoCloseable {
    private final BufferAllocator allocator = new RootAllocator();
    private final FlightClient client;
    private final CallOption credentials;

    private Session(AdminConnection options) throws IOException {
      Location location = new Location(options.url);
      FlightClient.Builder builder = FlightClient.builder(allocator, location);
      if (options.trustCert != null) {
        // Read now: the builder reads the stream when it builds, after a try-with-resources closed it.
        builder.trustedCertificates(new ByteArrayInputStream(Files.readAllBytes(options.trustCert)));
      }
      this.client = builder.build();
      try {
        String token = token(options.tokenFile);
        this.credentials = token != null
            ? new CredentialCallOption(new BearerCredentialWriter(token))
            : client.authenticateBasicToken(options.user, password(options.password)).orElseThrow(
                () -> new IllegalStateException("the server gave no token for user '" + options.user + "'"));
      } catch (RuntimeException e) {
        close();
        throw e;
      }
    }

    /** Calls action {@code type} with {@code body}; its one result's bytes as UTF-8 text. */
    String call(String type, String body) {
      Iterator<Result> results = client.doAction(new Action(type, body.getBytes(StandardCharsets.UTF_8)), credentials);
      StringBuilder text = new StringBuilder();
      while (results.hasNext()) {
        text.append(new String(results.next().getBody(), StandardCharsets.UTF_8));
      }
      return text.toString();
    }

    @Override
    public void close() {
      try {
        client.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      allocator.close();
    }
  }

  private static String token(Path file) throws IOException {
    if (file != null) {
      return Files.readString(file).trim();
    }
    String fromEnvironment = System.getenv("KAPU_TOKEN");
    return fromEnvironment != null && !fromEnvironment.isBlank() ? fromEnvironment.trim() : null;
  }

  private static String password(String given) {
    if (given != null) {
      return given;
    }
    String fromEnvironment = System.getenv("KAPU_PASSWORD");
    if (fromEnvironment == null || fromEnvironment.isEmpty()) {
      throw new IllegalArgumentException("no password: give --password, set $KAPU_PASSWORD, or use --token-file");
    }
    return fromEnvironment;
  }
}
