package dev.kapu.client.cli.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The dashboard's logins: its session cookie among others, and HTTP Basic headers. */
class LoginsTest {

  @Test
  void aSessionIsFoundByItsCookieAmongOthersAndEndsOnLogout() {
    Logins logins = new Logins(Duration.ofMinutes(5), 10);
    String cookie = logins.open(new Logins.Login("analyst", null));
    assertThat(cookie).hasSize(43); // 32 random bytes
    String header = "theme=dark; " + Logins.COOKIE + "=" + cookie + "; other=1";
    assertThat(logins.bySessionCookie(header)).get().extracting(Logins.Login::user).isEqualTo("analyst");
    assertThat(logins.bySessionCookie(Logins.COOKIE + "=forged")).isEmpty();
    assertThat(logins.bySessionCookie(null)).isEmpty();
    logins.close(header);
    assertThat(logins.bySessionCookie(header)).isEmpty();
  }

  @Test
  void basicCredentialsAreReadAndMalformedOnesRefused() {
    assertThat(Logins.basicCredentials(basic("analyst:se:cret"))).get()
        .satisfies(c -> assertThat(c).containsExactly("analyst", "se:cret"));
    assertThat(Logins.basicCredentials("basic " + encode("a:b"))).isPresent();
    assertThat(Logins.basicCredentials(basic("no colon"))).isEmpty();
    assertThat(Logins.basicCredentials("Basic !!!")).isEmpty();
    assertThat(Logins.basicCredentials("Bearer abc")).isEmpty();
    assertThat(Logins.basicCredentials(null)).isEmpty();
  }

  @Test
  void aBearerTokenIsTakenAsItIs() {
    assertThat(Logins.bearerToken("Bearer abc-123")).contains("abc-123");
    assertThat(Logins.bearerToken("bearer abc")).contains("abc");
    assertThat(Logins.bearerToken("Bearer ")).isEmpty();
    assertThat(Logins.bearerToken(basic("a:b"))).isEmpty();
    assertThat(Logins.bearerToken(null)).isEmpty();
  }

  @Test
  void aBasicLoginIsRememberedUntilForgotten() {
    Logins logins = new Logins(Duration.ofMinutes(5), 10);
    logins.rememberBasic(basic("a:b"), new Logins.Login("a", null));
    assertThat(logins.byBasicHeader(basic("a:b"))).isPresent();
    assertThat(logins.byBasicHeader(basic("a:c"))).isEmpty();
    logins.forgetBasic(basic("a:b"));
    assertThat(logins.byBasicHeader(basic("a:b"))).isEmpty();
  }

  private static String basic(String credentials) {
    return "Basic " + encode(credentials);
  }

  private static String encode(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
