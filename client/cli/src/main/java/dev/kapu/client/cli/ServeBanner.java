package dev.kapu.client.cli;

import dev.kapu.api.AccessRight;
import dev.kapu.api.KapuConfig;
import dev.kapu.flight.sql.KapuFlightSqlProducer;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What {@code kapu serve} prints once it serves: what runs where, how results travel, the URLs to
 * connect with and who may, then {@code ready}. Tests and scripts read its {@code key=value} lines.
 */
final class ServeBanner {

  /**
   * The Flight SQL JDBC driver's Arrow memory needs this JVM flag on JDK 17 and later; without it
   * the first query fails with "Failed to initialize MemoryUtil" or "Failed to read message".
   */
  static final String JDBC_JVM_HINT = "(the JDBC driver needs the JVM option --add-opens=java.base/java.nio=ALL-UNNAMED"
      + " on JDK 17+: java --add-opens=... -cp ..., or in DBeaver's dbeaver.ini after -vmargs)";

  private ServeBanner() {}

  /** The lines, for {@code catalogs} served by {@code server} to {@code access}'s users; {@code relay} as asked for. */
  static List<String> lines(List<String> catalogs, ServedServer server, boolean relay, ServeAccess access) {
    List<String> lines = new ArrayList<>();
    KapuFlightSqlProducer.Delivery delivery = server.delivery();
    lines.add("kapu serve: " + catalogs + " on " + server.daemons() + "; Ctrl-C to stop");
    lines.add(delivery == KapuFlightSqlProducer.Delivery.DIRECT
        ? "kapu serve: clients fetch results from the daemons' own endpoints (plaintext; --relay to send them"
            + " through this port)"
        : "kapu serve: results are relayed through this port" + (!relay ? " (--tls: daemons' own endpoints"
            + " are plaintext)" : ""));
    lines.add("results=" + delivery.name().toLowerCase(Locale.ROOT));
    URI url = server.endpoint().url();
    lines.add("flight_url=" + url);
    Path certificate = server.endpoint().trustCertificate();
    String encryption = certificate == null
        ? "useEncryption=false"
        : "useEncryption=true&tlsRootCerts=" + encode(certificate.toAbsolutePath().toString());
    String jdbcUrl = "jdbc:arrow-flight-sql://" + url.getHost() + ":" + url.getPort() + "/?" + encryption;
    if (access.oneUser()) {
      lines.add("jdbc_url=" + jdbcUrl + "&user=" + encode(access.user()) + "&password=" + encode(access.password()));
    } else {
      // the passwords are the users' own: printed is only where each comes from
      KapuConfig.User first = access.configUsers().get(0);
      lines.add("jdbc_url=" + jdbcUrl + "&user=" + encode(first.name()));
      lines.add("  (add &password=... with user " + first.name() + "'s password; other users: change &user)");
    }
    lines.add("  " + JDBC_JVM_HINT);
    if (certificate != null) {
      lines.add("certificate=" + certificate.toAbsolutePath());
    }
    if (access.oneUser()) {
      lines.add("user=" + access.user());
      lines.add("password=" + access.password());
    } else {
      lines.add("users:");
      for (KapuConfig.User u : access.configUsers()) {
        String rights = u.access().entrySet().stream()
            .map(e -> e.getKey() + " " + (e.getValue() == AccessRight.WRITE ? "read-write" : "read-only"))
            .collect(Collectors.joining(", "));
        lines.add("  " + u.name() + ": " + rights + (u.admin() ? ", admin" : "") + " (password "
            + (u.passwordInFile() ? "written in " + access.config() : "from " + u.password()) + ")");
      }
    }
    lines.add("ready");
    return lines;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
