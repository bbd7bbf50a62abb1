package dev.kapu.flight;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostsTest {
  @Test
  void wildcardAndLoopbackAddressesAreToldApart() {
    assertThat(Hosts.isWildcard("0.0.0.0")).isTrue();
    assertThat(Hosts.isWildcard("[::]")).isTrue();
    assertThat(Hosts.isWildcard("127.0.0.1")).isFalse();
    assertThat(Hosts.isLoopback("localhost")).isTrue();
    assertThat(Hosts.isLoopback("127.0.1.1")).isTrue(); // what Debian maps the host name to
    assertThat(Hosts.isLoopback("[::1]")).isTrue();
    assertThat(Hosts.isLoopback("0.0.0.0")).isFalse();
    assertThat(Hosts.isLoopback("192.0.2.7")).isFalse();
  }

  @Test
  void theAddressTowardAHostIsTheInterfaceThatReachesIt() {
    assertThat(Hosts.addressToward("127.0.0.1")).isEqualTo("127.0.0.1");
    String machine = Hosts.machineAddress();
    assertThat(Hosts.addressToward(machine)).isEqualTo(machine);
  }

  @Test
  void ipv6LiteralsAreBracketedForUris() {
    assertThat(Hosts.forUri("fd00::2")).isEqualTo("[fd00::2]");
    assertThat(Hosts.forUri("[fd00::2]")).isEqualTo("[fd00::2]");
    assertThat(Hosts.forUri("192.0.2.2")).isEqualTo("192.0.2.2");
  }
}
