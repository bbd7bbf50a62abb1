package dev.kapu.client;

import dev.kapu.api.Endpoint;

/** A session that runs its own dispatcher: other daemons and clients may join it. */
public interface LocalKapu extends Kapu {

  /** Where daemons and clients connect: URL, token and, with TLS, the certificate to trust. */
  Endpoint endpoint();

  /** Starts {@code n} more daemon processes (or threads, in process) and waits for them to connect. */
  void addDaemons(int n);
}
