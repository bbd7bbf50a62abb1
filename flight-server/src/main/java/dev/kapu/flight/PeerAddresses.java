package dev.kapu.flight;

import dev.kapu.flight.status.SessionMiddleware;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Writes each Flight call's client address into its headers, where Flight middleware (which sees
 * headers, not the transport) finds it: {@link SessionMiddleware#PEER_ADDRESS_HEADER}. A value
 * the client sent under that name is replaced.
 */
final class PeerAddresses implements ServerInterceptor {
  private static final Metadata.Key<String> KEY =
      Metadata.Key.of(SessionMiddleware.PEER_ADDRESS_HEADER, Metadata.ASCII_STRING_MARSHALLER);

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
      ServerCallHandler<ReqT, RespT> next) {
    headers.removeAll(KEY);
    SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    if (remote != null) {
      headers.put(KEY, describe(remote));
    }
    return next.startCall(call, headers);
  }

  /** A client address as the status shows it: {@code 127.0.0.1:41234}, {@code [::1]:41234}. */
  static String describe(SocketAddress address) {
    if (address instanceof InetSocketAddress inet) {
      return Hosts.forUri(inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString())
          + ":" + inet.getPort();
    }
    return address.toString();
  }
}
