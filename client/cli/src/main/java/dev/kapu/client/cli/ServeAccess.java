package dev.kapu.client.cli;

import dev.kapu.api.KapuConfig;
import dev.kapu.flight.AccessControl;
import dev.kapu.flight.KapuServer;
import dev.kapu.flight.sql.FlightSqlAuth;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.arrow.flight.auth2.CallHeaderAuthenticator;

/**
 * Who may connect to {@code kapu serve}: one user ({@code --user}, {@code --password}) who may do
 * everything, or the config's {@code users:}, each with a password from the server's environment
 * and a right per resource. The two exclude each other, so that no user holds rights the config
 * does not show.
 */
final class ServeAccess {

  private final Path config;
  private final List<KapuConfig.User> configUsers;
  private final String user;
  private final String password;
  private final Map<String, String> passwords;

  private ServeAccess(Path config, List<KapuConfig.User> configUsers, String user, String password,
      Map<String, String> passwords) {
    this.config = config;
    this.configUsers = configUsers;
    this.user = user;
    this.password = password;
    this.passwords = passwords;
  }

  /**
   * The config's users if it names any, else the one user: {@code user} (default kapu) with
   * {@code password}, else $KAPU_PASSWORD, else a generated one.
   */
  static ServeAccess of(Path config, String user, String password) throws ServeRefusal {
    Map<String, String> passwords = new LinkedHashMap<>();
    List<KapuConfig.User> configUsers;
    try {
      configUsers = config == null ? List.of() : KapuConfig.readUsers(config);
      if (!configUsers.isEmpty() && (user != null || password != null)) {
        throw new ServeRefusal("--user and --password exclude a config with users: (" + config
            + "); add the user there");
      }
      for (KapuConfig.User u : configUsers) {
        passwords.put(u.name(), u.resolvedPassword());
      }
    } catch (IllegalArgumentException e) {
      throw new ServeRefusal(e.getMessage());
    }
    if (!configUsers.isEmpty()) {
      return new ServeAccess(config, configUsers, null, null, passwords);
    }
    String name = user != null ? user : "kapu";
    String secret = password;
    if (secret == null) {
      String fromEnvironment = System.getenv("KAPU_PASSWORD");
      secret = fromEnvironment != null && !fromEnvironment.isEmpty() ? fromEnvironment : KapuServer.newToken();
    }
    passwords.put(name, secret);
    return new ServeAccess(config, configUsers, name, secret, passwords);
  }

  /** Whether one user may do everything (else {@link #configUsers()} connect). */
  boolean oneUser() {
    return configUsers.isEmpty();
  }

  /** The one user's name, or null. */
  String user() {
    return user;
  }

  /** The one user's password, or null. */
  String password() {
    return password;
  }

  /** The config's users, none with one user. */
  List<KapuConfig.User> configUsers() {
    return configUsers;
  }

  /** The config the users come from, or null. */
  Path config() {
    return config;
  }

  /** Who may do what with each resource. */
  AccessControl control() {
    return oneUser()
        ? AccessControl.allowAll()
        : AccessControl.of(configUsers.stream().collect(Collectors.toMap(KapuConfig.User::name, KapuConfig.User::access)));
  }

  /**
   * Who holds the admin right (the server's status, ending sessions): the one user, or the config's
   * users with {@code admin: true}.
   */
  java.util.function.Predicate<String> admins() {
    if (oneUser()) {
      return user::equals;
    }
    java.util.Set<String> admins = configUsers.stream().filter(KapuConfig.User::admin).map(KapuConfig.User::name)
        .collect(Collectors.toUnmodifiableSet());
    return admins::contains;
  }

  /** Checks each connection's user and password. */
  CallHeaderAuthenticator authenticator() {
    return FlightSqlAuth.users(passwords);
  }

  /** A warning per config user whose password is written in the config rather than in the environment. */
  List<String> warnings() {
    return configUsers.stream().filter(KapuConfig.User::passwordInFile)
        .map(u -> "kapu serve: warning: user '" + u.name() + "' has its password written in " + config
            + "; name an environment variable instead (password: \"${SOME_VARIABLE}\")")
        .toList();
  }
}
