package dev.kapu.api;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a dispatcher listens and how to prove who you are to it.
 *
 * @param url {@code grpc://host:port}, {@code grpc+tls://host:port} or {@code inprocess://name}
 * @param token the shared secret daemons and clients present
 * @param trustCertificate with TLS, a PEM certificate to trust (a self-signed server's); null to
 *     use the JVM's trust store
 */
public record Endpoint(URI url, String token, Path trustCertificate) {

  public Endpoint {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(token, "token");
    String scheme = url.getScheme();
    if (!"grpc".equals(scheme) && !"grpc+tcp".equals(scheme) && !"grpc+tls".equals(scheme)
        && !"inprocess".equals(scheme)) {
      throw new IllegalArgumentException(
          "unsupported URL '" + url + "': use grpc://host:port or grpc+tls://host:port");
    }
    if (!"inprocess".equals(scheme) && (url.getHost() == null || url.getPort() < 0)) {
      throw new IllegalArgumentException("URL '" + url + "' needs a host and a port");
    }
  }

  public static Endpoint of(String url, String token) {
    return new Endpoint(URI.create(url), token, null);
  }

  public boolean tls() {
    return "grpc+tls".equals(url.getScheme());
  }

  public boolean inProcess() {
    return "inprocess".equals(url.getScheme());
  }

  public Endpoint withTrustCertificate(Path certificate) {
    return new Endpoint(url, token, certificate);
  }

  @Override
  public String toString() {
    return url.toString(); // never the token
  }
}
