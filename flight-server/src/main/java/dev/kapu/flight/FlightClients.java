package dev.kapu.flight;

import io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightGrpcUtils;
import org.apache.arrow.flight.grpc.NettyClientBuilder;

/**
 * Flight clients whose connection gRPC keepalive watches: when the peer stops answering (a frozen
 * or cut-off daemon), the connection is closed and a call waiting on it fails with UNAVAILABLE
 * instead of waiting forever. The peer must permit pings as often ({@code kapu serve} and daemons
 * do). They read and write streams with fewer copies ({@link StreamChannels}).
 */
public final class FlightClients {
  private FlightClients() {}

  /**
   * The client {@code flight} describes (location, TLS, middleware), as {@code
   * FlightClient.builder()} would build it, pinging a silent connection after {@link
   * Liveness#keepAliveTime()} and closing it if the ping is not answered within {@link
   * Liveness#keepAliveTimeout()}.
   */
  public static FlightClient open(NettyClientBuilder flight, Liveness liveness) {
    NettyChannelBuilder channel = StreamChannels.client(flight.build())
        .keepAliveTime(liveness.keepAliveTime().toNanos(), TimeUnit.NANOSECONDS)
        .keepAliveTimeout(liveness.keepAliveTimeout().toNanos(), TimeUnit.NANOSECONDS);
    return FlightGrpcUtils.createFlightClient(flight.allocator(), channel.build(), flight.middleware());
  }
}
