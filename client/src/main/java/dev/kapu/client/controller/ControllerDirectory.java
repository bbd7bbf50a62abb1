package dev.kapu.client.controller;

import dev.kapu.api.Endpoint;
import dev.kapu.api.KapuConfig;
import dev.kapu.api.ResourceSpec;
import dev.kapu.client.internal.SessionDirectories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A controller's private directory: the token file and certificate its workers read, their
 * resources, the launchers' scripts and the workers' logs. Deleted on terminate unless kept.
 *
 * @param path the directory
 * @param keep whether it outlives the controller (a kept folder is the user's)
 */
record ControllerDirectory(Path path, boolean keep) {

  /** Makes a fresh directory for controller {@code name} under {@code parent} (null: the temp directory). */
  static ControllerDirectory create(Path parent, String name, boolean keep) {
    try {
      Path p = parent == null ? null : Files.createDirectories(parent);
      String prefix = "kapu-controller-" + name + "-";
      // A kept folder records no owner, so nothing ever removes it.
      Path dir = keep
          ? (p == null ? Files.createTempDirectory(prefix) : Files.createTempDirectory(p, prefix))
          : SessionDirectories.create(p, prefix);
      return new ControllerDirectory(dir, keep);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make the controller's directory", e);
    }
  }

  /** The session token, in a file only its owner can read (never on a command line). */
  Path writeToken(Endpoint endpoint) throws IOException {
    Path tokenFile = path.resolve("token");
    Files.createFile(tokenFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tokenFile, endpoint.token(), StandardCharsets.UTF_8);
    return tokenFile;
  }

  /** With TLS, the certificate to trust, beside the token for shared file systems; else null. */
  Path copyTrust(Endpoint endpoint) throws IOException {
    return endpoint.trustCertificate() == null ? null
        : Files.copy(endpoint.trustCertificate(), path.resolve("trust.pem"));
  }

  /** The resources every worker opens, as a {@code kapu.yaml}; null if there are none. */
  Path writeResources(List<ResourceSpec> resources) {
    if (resources.isEmpty()) {
      return null;
    }
    Path config = path.resolve("resources.yaml");
    KapuConfig.writeResources(resources, config);
    return config;
  }

  /** Deletes the directory unless it is kept. */
  void close() {
    if (!keep) {
      SessionDirectories.delete(path);
    }
  }
}
