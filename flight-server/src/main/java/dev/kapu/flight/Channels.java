package dev.kapu.flight;

import com.google.common.util.concurrent.MoreExecutors;
import dev.kapu.api.Endpoint;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.impl.FlightServiceGrpc;

/** Opens gRPC channels to a dispatcher and the Flight stub that speaks a Kapu role on them. */
final class Channels {
  private Channels() {}

  /**
   * @param keepAliveTime a connection with nothing to read for this long is pinged
   * @param keepAliveTimeout a ping not answered within this closes the connection, failing its calls
   */
  public static ManagedChannel open(Endpoint endpoint, Duration keepAliveTime, Duration keepAliveTimeout) {
    if (endpoint.inProcess()) {
      return InProcessChannelBuilder.forName(endpoint.url().getAuthority())
          .directExecutor()
          .maxInboundMessageSize(Wire.MAX_MESSAGE_BYTES)
          .build();
    }
    NettyChannelBuilder builder =
        NettyChannelBuilder.forAddress(endpoint.url().getHost(), endpoint.url().getPort())
            // Callbacks only hand work over; running them on the I/O thread saves a thread hop
            // on every task round trip.
            .executor(MoreExecutors.directExecutor())
            .maxInboundMessageSize(Wire.MAX_MESSAGE_BYTES)
            .keepAliveTime(keepAliveTime.toNanos(), TimeUnit.NANOSECONDS)
            .keepAliveTimeout(keepAliveTimeout.toNanos(), TimeUnit.NANOSECONDS);
    if (endpoint.tls()) {
      try {
        var ssl = GrpcSslContexts.forClient();
        if (endpoint.trustCertificate() != null) {
          ssl.trustManager(endpoint.trustCertificate().toFile());
        }
        builder.sslContext(ssl.build());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot set up TLS for " + endpoint, e);
      }
    } else {
      builder.usePlaintext();
    }
    return builder.build();
  }

  public static FlightServiceGrpc.FlightServiceStub stub(
      ManagedChannel channel, Endpoint endpoint, String role) {
    Metadata headers = new Metadata();
    headers.put(Wire.ROLE, role);
    headers.put(Wire.TOKEN, endpoint.token());
    return FlightServiceGrpc.newStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  /** Shuts {@code channel} down, giving its calls two seconds to end before cutting them. */
  static void shutdown(ManagedChannel channel) {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      channel.shutdownNow();
    }
  }
}
