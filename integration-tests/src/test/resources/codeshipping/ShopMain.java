package acme.shop;

import dev.kapu.api.TaskOptions;
import dev.kapu.client.Kapu;
import dev.kapu.client.LocalKapu;
import dev.kapu.client.controller.Controller;
import dev.kapu.client.controller.TaskResult;
import dev.kapu.client.launch.SshLauncher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.commons.collections.Transformer;
import org.apache.commons.collections.functors.ChainedTransformer;
import org.apache.commons.collections.functors.ConstantTransformer;
import org.apache.commons.collections.functors.InvokerTransformer;

/**
 * An application outside dev.kapu, on kapu-client alone, that connects to a dispatcher whose
 * daemons have only Kapu: no allow() call anywhere. Arguments: URL, mode, and for "versions" a
 * directory where it says it is connected and waits for the go; for "ssh" see {@link #ssh}.
 */
public final class ShopMain {
  public static void main(String[] args) throws Exception {
    String url = args[0];
    String mode = args[1];
    if (mode.equals("local")) {
      local();
      return;
    }
    if (mode.equals("ssh")) {
      ssh(args);
      return;
    }
    Kapu.Builder builder = Kapu.builder();
    if (mode.equals("noship")) {
      builder.shipCode(false);
    }
    try (Kapu kapu = builder.connect(url)) {
      switch (mode) {
        case "run" -> {
          System.out.println("lambda: " + kapu.submit(ctx -> 6 * 7).get(60, TimeUnit.SECONDS));
          System.out.println("class: " + kapu.submit(new PriceTask(21)).get(60, TimeUnit.SECONDS));
          int base = 100;
          System.out.println("captured: " + kapu.submit(ctx -> base + new Pricing().label()).get(60, TimeUnit.SECONDS));
        }
        case "versions" -> {
          Path dir = Path.of(args[2]);
          String first = kapu.submit(ctx -> new Pricing().label()).get(60, TimeUnit.SECONDS);
          Files.writeString(dir.resolve(first + ".connected"), first);
          for (int i = 0; i < 600 && !Files.exists(dir.resolve("go")); i++) {
            Thread.sleep(100);
          }
          StringBuilder seen = new StringBuilder();
          for (int i = 0; i < 20; i++) {
            Quote q = kapu.submit(new PriceTask(i)).get(60, TimeUnit.SECONDS);
            seen.append(q.version()).append(i == 19 ? "" : ",");
          }
          System.out.println("versions: " + seen);
        }
        case "noship" -> {
          try {
            System.out.println("value: " + kapu.submit(new PriceTask(1)).get(60, TimeUnit.SECONDS));
          } catch (ExecutionException e) {
            System.out.println("error: " + e.getCause().getMessage());
          }
        }
        case "gadget-task" -> {
          Transformer chain = new ChainedTransformer(new Transformer[] {
              new ConstantTransformer(Runtime.class),
              new InvokerTransformer("getMethod", new Class<?>[] {String.class, Class[].class},
                  new Object[] {"getRuntime", new Class<?>[0]})});
          print(kapu, () -> kapu.submit(ctx -> chain.hashCode()).get(60, TimeUnit.SECONDS));
        }
        case "never-blocks" -> neverBlocks(kapu);
        case "gadget-result" -> print(kapu, () -> kapu.submit(
            ctx -> (Object) new InvokerTransformer("toString", new Class<?>[0], new Object[0])).get(60, TimeUnit.SECONDS));
        default -> throw new IllegalArgumentException(mode);
      }
    }
  }

  /**
   * Tasks declared never to block, on a daemon that first fetches this application's code: until
   * all of it is there they run on task threads, then on the network thread; one that sleeps
   * there makes the daemon run the next ones on task threads again.
   */
  private static void neverBlocks(Kapu kapu) throws Exception {
    TaskOptions never = TaskOptions.DEFAULT.neverBlocks();
    String first = kapu.submit(ctx -> Thread.currentThread().getName(), never).get(60, TimeUnit.SECONDS);
    String later = first;
    for (int i = 0; i < 1200 && later.startsWith("kapu-task"); i++) {
      Thread.sleep(50);
      later = kapu.submit(ctx -> Thread.currentThread().getName(), never).get(60, TimeUnit.SECONDS);
    }
    System.out.println("first never-blocking task on: " + first);
    System.out.println("later never-blocking task on: " + later);
    System.out.println("never-blocking class: " + kapu.submit(new PriceTask(21), never).get(60, TimeUnit.SECONDS));
    System.out.println("never-blocking task that sleeps: " + kapu.submit(ctx -> {
      Thread.sleep(300);
      return Thread.currentThread().getName();
    }, never).get(60, TimeUnit.SECONDS));
    System.out.println("never-blocking task after it on: "
        + kapu.submit(ctx -> Thread.currentThread().getName(), never).get(60, TimeUnit.SECONDS));
  }

  /** Kapu.local and a controller (its local launcher), as the README writes them: no allow() either. */
  private static void local() throws Exception {
    try (LocalKapu kapu = Kapu.local(2)) {
      System.out.println("local lambda: " + kapu.submit(ctx -> 6 * 7).join());
      System.out.println("local class: " + kapu.submit(new PriceTask(21)).join());
      System.out.println("local map: " + kapu.<Integer, Quote>map(List.of(1, 2), x -> new Quote("m", x)).join());
    }
    try (Controller controller = Controller.builder().name("shop").maxWorkers(1).build()) {
      controller.walk("price", List.of(1, 2), x -> new PriceTask(x).run(null));
      controller.waitAll(Duration.ofMinutes(2));
      List<TaskResult> results = new ArrayList<>(controller.collect());
      results.sort(java.util.Comparator.comparing(TaskResult::name));
      StringBuilder out = new StringBuilder();
      for (TaskResult r : results) {
        out.append(r.name()).append('=').append(r.value() != null ? r.value() : r.error()).append(' ');
      }
      System.out.println("controller: " + out.toString().strip());
    }
  }

  /**
   * A controller whose workers start over SSH from a directory that holds Kapu's distribution and
   * none of this application: its code travels with the session. Arguments after the URL (unused)
   * and the mode: user@host, the key to log in with, a known_hosts file, the class path on that
   * host, the directory for the controller's files (kept, with the workers' logs), and options for
   * the workers' JVMs.
   */
  private static void ssh(String[] args) throws Exception {
    SshLauncher launcher = SshLauncher.builder(args[2])
        .identityFile(Path.of(args[3]))
        .option("StrictHostKeyChecking=no")
        .option("UserKnownHostsFile=" + args[4])
        .option("LogLevel=ERROR")
        .classpath(args[5])
        .build();
    try (Controller controller = Controller.builder().name("shop-ssh").launcher(launcher)
        .jvmOptions(java.util.Arrays.copyOfRange(args, 7, args.length))
        .maxWorkers(1).idle(Duration.ofMinutes(2))
        .directory(Path.of(args[6])).keepDirectory(true)
        .build()) {
      System.out.println("lambda: " + controller.submit(ctx -> 6 * 7).get(180, TimeUnit.SECONDS));
      System.out.println("class: " + controller.submit(new PriceTask(21)).get(60, TimeUnit.SECONDS));
      int base = 100;
      System.out.println("captured: " + controller.submit(ctx -> base + new Pricing().label()).get(60, TimeUnit.SECONDS));
      System.out.println("worker class path: " + controller.submit(ctx -> System.getProperty("java.class.path"))
          .get(60, TimeUnit.SECONDS));
      System.out.println("worker ssh: " + controller.submit(ctx -> System.getenv("SSH_CONNECTION") != null)
          .get(60, TimeUnit.SECONDS));
      System.out.println("quote's loader: " + controller.submit(ctx -> Quote.class.getClassLoader().getName())
          .get(60, TimeUnit.SECONDS));
    }
  }

  interface Call {
    Object call() throws Exception;
  }

  /** Prints the error a call ends with, then proves the daemon still serves. */
  private static void print(Kapu kapu, Call call) throws Exception {
    try {
      System.out.println("value: " + call.call());
    } catch (ExecutionException e) {
      System.out.println("error: " + e.getCause().getMessage());
    }
    System.out.println("after: " + kapu.submit(ctx -> 6 * 7).get(60, TimeUnit.SECONDS));
  }
}
