package dev.kapu.client.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kapu.flight.status.StatusReport;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import dev.kapu.flight.status.StatusCodes;
import org.apache.arrow.flight.FlightRuntimeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kapu status --url URL}: what a server is doing, from its {@code kapu.status} action: its
 * daemons, resources, task queue and Flight SQL sessions as aligned tables, or the action's JSON
 * with {@code --format json}; {@code --watch} redraws it in place every few seconds, as {@code top}
 * does. Only the Kapu token or a user with the admin right may ask.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show what a Kapu server is doing: daemons, resources, tasks and Flight SQL sessions.")
final class StatusCommand implements Callable<Integer> {
  enum Format { table, json }

  /** Clears the terminal and moves the cursor home (ANSI), before each redraw. */
  private static final String CLEAR_HOME = "\033[H\033[2J";

  @Mixin
  AdminConnection connection;

  @Option(names = "--format", defaultValue = "table", description = "table or json (default ${DEFAULT-VALUE}).")
  Format format;

  @Option(names = "--watch", description = "Redraw every --interval seconds until Ctrl-C.")
  boolean watch;

  @Option(names = "--interval", defaultValue = "2", paramLabel = "SECONDS",
      description = "With --watch: seconds between redraws (default ${DEFAULT-VALUE}).")
  double interval;

  @Override
  public Integer call() throws Exception {
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    ObjectMapper json = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    try (AdminConnection.Session session = connection.open()) {
      do {
        String answer = session.call("kapu.status", "");
        StringBuilder screen = new StringBuilder(watch ? CLEAR_HOME : "");
        if (format == Format.json) {
          screen.append(answer).append('\n');
        } else {
          StatusTable.lines(json.readValue(answer, StatusReport.class)).forEach(l -> screen.append(l).append('\n'));
        }
        out.print(screen);
        out.flush();
        if (watch) {
          Thread.sleep(Math.max(100, Math.round(interval * 1000)));
        }
      } while (watch);
      return 0;
    } catch (FlightRuntimeException e) {
      System.err.println("kapu status: " + StatusCodes.grpcName(e.status().code()) + ": " + e.getMessage());
      return 1;
    } catch (IllegalArgumentException e) {
      System.err.println("kapu status: " + e.getMessage());
      return 2;
    }
  }
}
