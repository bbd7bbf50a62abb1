package dev.kapu.bench;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * The peer a Java developer would pick instead of Kapu: a task sent through Hazelcast's
 * {@link IExecutorService} to a member in another JVM, with its result coming back.
 *
 * <p>The benchmark JVM is a Hazelcast <em>client</em>, never a member: a member may run a task
 * locally, and then the round trip would not cross a process boundary at all. The member is a
 * lone, loopback-only cluster under a fresh name, so it can neither join nor be joined by another
 * cluster running on this machine, and it starts without waiting for peers that will not come.
 *
 * <p>Hazelcast logs nothing (logging type {@code none}) on either side: its banner and INFO
 * lines would land among the benchmark's {@code key=value} output.
 */
public final class HazelcastPeer {

  private static final String LOGGING_TYPE = "hazelcast.logging.type";
  private static final String EXECUTOR = "kapu-bench";
  private static final int FIRST_PORT = 5701;
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  private static final long TASK_TIMEOUT_SECONDS = 10;

  private HazelcastPeer() {}

  /**
   * The member side, run in a child JVM by {@link #open}: {@code args} are the cluster
   * name and the first port to try; prints {@code READY <port>} once the member is up.
   */
  public static void main(String[] args) {
    ChildJvm.exitWithParent();
    Config config = new Config().setClusterName(args[0]);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.socket.bind.any", "false");
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(Integer.parseInt(args[1])).setPortAutoIncrement(true);
    network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1");
    config.getExecutorConfig(EXECUTOR).setPoolSize(2);
    HazelcastInstance member = Hazelcast.newHazelcastInstance(config);
    System.out.println("READY " + member.getCluster().getLocalMember().getAddress().getPort());
  }

  /**
   * Starts a member in a child JVM and connects a client to it; a round trip is
   * {@code executor.submit(task).get()}.
   *
   * @throws IOException if the member JVM fails to start; a round trip throws if its task fails or
   *     takes more than 10 s
   */
  public static RoundTrip open() throws IOException {
    String cluster = "kapu-bench-" + UUID.randomUUID();
    ChildJvm memberJvm = ChildJvm.start(HazelcastPeer.class, List.of("-D" + LOGGING_TYPE + "=none"),
        List.of(cluster, String.valueOf(FIRST_PORT)), READY_TIMEOUT);
    try {
      HazelcastInstance client = HazelcastClient.newHazelcastClient(clientConfig(cluster, memberJvm.readyText()));
      IExecutorService executor = client.getExecutorService(EXECUTOR);
      Constant task = new Constant();
      AutoCloseable opened = () -> {
        try (memberJvm) {
          client.shutdown();
        }
      };
      return RoundTrip.over(opened, () -> executor.submit(task).get(TASK_TIMEOUT_SECONDS, TimeUnit.SECONDS));
    } catch (RuntimeException e) {
      memberJvm.close();
      throw e;
    }
  }

  private static ClientConfig clientConfig(String cluster, String port) {
    ClientConfig config = new ClientConfig().setClusterName(cluster);
    config.setProperty(LOGGING_TYPE, "none");
    config.getNetworkConfig().addAddress("127.0.0.1:" + port);
    // The default is to retry forever; a member that has gone must fail the benchmark instead.
    config.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(30_000);
    return config;
  }

  /** Does no work, so that the round trip is all Hazelcast: serialization, network, scheduling. */
  private static final class Constant implements Callable<Integer>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public Integer call() {
      return 42;
    }
  }
}
