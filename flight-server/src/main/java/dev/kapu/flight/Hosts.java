package dev.kapu.flight;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * Which address to tell others to dial. A process that listens on every interface (0.0.0.0) must
 * not advertise that address, nor its host name, which Debian maps to 127.0.1.1 in /etc/hosts.
 */
public final class Hosts {
  private Hosts() {}

  /** The address that listens on every interface: 0.0.0.0 or ::. */
  public static boolean isWildcard(String host) {
    try {
      return InetAddress.getByName(unbracket(host)).isAnyLocalAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** Whether {@code host} names this machine's loopback interface (localhost, 127.x, ::1). */
  public static boolean isLoopback(String host) {
    if (host == null || host.equalsIgnoreCase("localhost")) {
      return true;
    }
    try {
      return InetAddress.getByName(unbracket(host)).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /**
   * This machine's address on its network: the first address of an interface that is up and not
   * loopback, IPv4 before IPv6; 127.0.0.1 when there is none.
   */
  public static String machineAddress() {
    List<InetAddress> candidates = new ArrayList<>();
    try {
      for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (nif.isUp() && !nif.isLoopback() && !nif.isVirtual()) {
          for (InetAddress a : Collections.list(nif.getInetAddresses())) {
            if (!a.isLoopbackAddress() && !a.isLinkLocalAddress() && !a.isAnyLocalAddress()) {
              candidates.add(a);
            }
          }
        }
      }
    } catch (SocketException e) {
      return "127.0.0.1";
    }
    return candidates.stream()
        .min(Comparator.comparing(a -> a instanceof Inet4Address ? 0 : 1))
        .map(Hosts::literal)
        .orElse("127.0.0.1");
  }

  /**
   * The address of the interface this machine reaches {@code host} through, which is how that
   * host's side of the network sees this machine (no packet is sent: connecting a UDP socket only
   * picks the route); {@link #machineAddress()} when it cannot be told.
   */
  public static String addressToward(String host) {
    try (DatagramSocket probe = new DatagramSocket()) {
      probe.connect(new InetSocketAddress(InetAddress.getByName(unbracket(host)), 9));
      InetAddress local = probe.getLocalAddress();
      if (local != null && !local.isAnyLocalAddress()) {
        return literal(local);
      }
    } catch (IOException | RuntimeException e) {
      // an unresolvable name or no route: fall back below
    }
    return machineAddress();
  }

  /** {@code host} as it goes in a URI's authority: an IPv6 literal in brackets. */
  public static String forUri(String host) {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  private static String literal(InetAddress address) {
    String text = address.getHostAddress();
    int zone = text.indexOf('%');
    return zone < 0 ? text : text.substring(0, zone);
  }

  private static String unbracket(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }
}
