package dev.kapu.client.cli;

import java.util.concurrent.Callable;
import dev.kapu.flight.status.StatusCodes;
import org.apache.arrow.flight.FlightRuntimeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * The operator's commands that end things on a server, each one action with the id as its body:
 * {@code kapu kill-session ID}, {@code kapu cancel TASK-ID}, {@code kapu cancel-statement ID}. The
 * ids are those {@code kapu status} shows. Only the Kapu token or a user with the admin right may.
 */
final class EndCommands {
  private EndCommands() {}

  /** Calls {@code action} with {@code id}; prints what was done, or the server's refusal. */
  static int end(String command, AdminConnection connection, String action, String id, String done) {
    try (AdminConnection.Session session = connection.open()) {
      session.call(action, id);
      System.out.println(done);
      return 0;
    } catch (FlightRuntimeException e) {
      System.err.println("kapu " + command + ": " + StatusCodes.grpcName(e.status().code()) + ": " + e.getMessage());
      return 1;
    } catch (Exception e) {
      System.err.println("kapu " + command + ": " + e.getMessage());
      return 2;
    }
  }

  @Command(name = "kill-session", mixinStandardHelpOptions = true,
      description = "End a Flight SQL session (an id kapu status shows): its statements stop, its transactions"
          + " roll back, its client's next call is refused.")
  static final class KillSession implements Callable<Integer> {
    @Mixin
    AdminConnection connection;

    @Parameters(paramLabel = "SESSION-ID", description = "The session, as kapu status shows it.")
    String id;

    @Override
    public Integer call() {
      return end("kill-session", connection, "kapu.kill-session", id, "session " + id + " ended");
    }
  }

  @Command(name = "cancel", mixinStandardHelpOptions = true,
      description = "Cancel a queued or running task (an id kapu status shows); its caller's future completes"
          + " as cancelled.")
  static final class CancelTask implements Callable<Integer> {
    @Mixin
    AdminConnection connection;

    @Parameters(paramLabel = "TASK-ID", description = "The task, as kapu status shows it.")
    String id;

    @Override
    public Integer call() {
      return end("cancel", connection, "kapu.cancel-task", id, "task " + id + " cancelled");
    }
  }

  @Command(name = "cancel-statement", mixinStandardHelpOptions = true,
      description = "Cancel a running Flight SQL statement (an id kapu status shows), as its client's own"
          + " cancel would.")
  static final class CancelStatement implements Callable<Integer> {
    @Mixin
    AdminConnection connection;

    @Parameters(paramLabel = "STATEMENT-ID", description = "The statement, as kapu status shows it.")
    String id;

    @Override
    public Integer call() {
      return end("cancel-statement", connection, "kapu.cancel-statement", id, "statement " + id + " cancelled");
    }
  }
}
