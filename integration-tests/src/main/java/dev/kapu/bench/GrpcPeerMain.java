package dev.kapu.bench;

import java.util.List;

/**
 * Runs {@link GrpcEchoPeer} alone and prints its round-trip percentiles as {@code key=value}
 * lines. Arguments, both optional: warmup round trips (default 20,000) and timed round trips
 * (default 20,000).
 */
public final class GrpcPeerMain {

  private static final int DEFAULT_WARMUP = 20_000;
  private static final int DEFAULT_COUNT = 20_000;

  private GrpcPeerMain() {}

  public static void main(String[] args) throws Exception {
    int warmup = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_WARMUP;
    int count = args.length > 1 ? Integer.parseInt(args[1]) : DEFAULT_COUNT;
    long[] nanos;
    try (RoundTrip echo = GrpcEchoPeer.open()) {
      RoundTripsInTurn.warmUp(List.of(echo), new int[] {warmup});
      nanos = RoundTripsInTurn.measure(List.of(echo), count).of(0);
    }
    System.out.println("grpc_stream_rtt_p50_us=" + Stats.p50(nanos));
    System.out.println("grpc_stream_rtt_p99_us=" + Stats.p99(nanos));
  }
}
