package dev.kapu.flight.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.arrow.flight.FlightProducer.CallContext;
import org.apache.arrow.flight.FlightServerMiddleware;
import org.junit.jupiter.api.Test;

class ClientSessionsTest {
  private final ClientSessions sessions = new ClientSessions();

  /** A call of {@code session}, as the middleware hands it to the producer. */
  private CallContext callOf(ClientSession session) {
    SessionMiddleware middleware = new SessionMiddleware(sessions, session, false);
    return new CallContext() {
      @Override
      public String peerIdentity() {
        return session.user();
      }

      @Override
      public boolean isCancelled() {
        return false;
      }

      @Override
      @SuppressWarnings("unchecked")
      public <T extends FlightServerMiddleware> T getMiddleware(FlightServerMiddleware.Key<T> key) {
        return key == ClientSessions.KEY ? (T) middleware : null;
      }

      @Override
      public java.util.Map<FlightServerMiddleware.Key<?>, FlightServerMiddleware> getMiddleware() {
        return java.util.Map.of(ClientSessions.KEY, middleware);
      }
    };
  }

  @Test
  void aSessionIsItsTokenAndListsItsRunningStatement() throws Exception {
    ClientSession analyst = sessions.session("token-a", "analyst", "10.0.0.7:5000");
    assertThat(sessions.session("token-a", "analyst", "10.0.0.7:5000")).isSameAs(analyst);
    assertThat(sessions.report()).as("not listed before it does more than call actions").isEmpty();

    StatementRun run = ClientSessions.begin(callOf(analyst), "warehouse", "SELECT 1");
    StatusReport.Session shown = sessions.report().get(0);
    assertThat(shown.user()).isEqualTo("analyst");
    assertThat(shown.clientAddress()).isEqualTo("10.0.0.7:5000");
    assertThat(shown.statement().text()).isEqualTo("SELECT 1");
    assertThat(shown.statement().resource()).isEqualTo("warehouse");
    assertThat(sessions.running(run.id())).isSameAs(run);

    run.sent(10, 800);
    run.ok(0);
    run.failed(new IllegalStateException("ended twice: ignored"));
    assertThat(sessions.running(run.id())).isNull();
    assertThat(sessions.report().get(0).statement()).isNull();
    assertThat(sessions.report().get(0).rowsSent()).isEqualTo(10);
    assertThat(sessions.statementsByCode()).containsEntry("OK", 1L).hasSize(1);
    assertThat(sessions.rowsStreamed()).isEqualTo(10);
  }

  @Test
  void endingASessionCancelsItsStatementsAndRunsItsUndos() throws Exception {
    ClientSession s = sessions.session("token-b", "bob", "");
    StatementRun running = ClientSessions.begin(callOf(s), "duckdb", "SELECT slow()");
    List<String> stopped = new ArrayList<>();
    running.cancelWith(() -> stopped.add("statement"));
    s.onEnd(() -> stopped.add("transaction rolled back"));
    Runnable forget = s.onEnd(() -> stopped.add("a transaction that ended on its own"));
    forget.run();

    assertThat(s.end("ops")).isTrue();
    assertThat(s.end("ops")).as("once").isFalse();
    assertThat(stopped).containsExactly("statement", "transaction rolled back");
    assertThat(running.cancelReason()).isEqualTo("its session (" + s.id() + ") was ended by administrator 'ops'");
    assertThat(sessions.report()).as("an ended session is not listed").isEmpty();

    StatementRun late = ClientSessions.begin(callOf(s), "duckdb", "SELECT 2");
    List<String> lateStops = new ArrayList<>();
    late.cancelWith(() -> lateStops.add("stopped"));
    assertThat(lateStops).as("a statement racing with the end stops at once").containsExactly("stopped");
  }

  @Test
  void aDirectResultEndsWithItsDaemonsFiguresOrWhenTwoReportsLeaveItOut() throws Exception {
    ClientSession s = sessions.session("token-c", "carol", "");
    StatementRun reported = ClientSessions.begin(callOf(s), "duckdb", "SELECT a");
    reported.fetchedFrom("grpc://d1:1", "t1");
    StatementRun silent = ClientSessions.begin(callOf(s), "duckdb", "SELECT b");
    silent.fetchedFrom("grpc://d1:1", "t2");

    sessions.resultsHeld("grpc://d1:1", Set.of("t2"),
        List.of(new FinishedResult("t1", 1_000, 64_000, "INVALID_ARGUMENT", "Conversion Error", 0)));
    assertThat(sessions.running(reported.id())).isNull();
    assertThat(sessions.statementsByCode()).containsEntry("INVALID_ARGUMENT", 1L);
    assertThat(sessions.rowsStreamed()).isEqualTo(1_000);

    sessions.resultsHeld("grpc://d1:1", Set.of(), List.of());
    assertThat(sessions.running(silent.id())).as("one report without it is not enough").isSameAs(silent);
    sessions.resultsHeld("grpc://d1:1", Set.of(), List.of());
    assertThat(sessions.running(silent.id())).isNull();
    assertThat(sessions.statementsByCode()).containsEntry("OK", 1L);
  }

  @Test
  void aDaemonThatLeavesEndsTheStatementsWhoseResultsItHeld() {
    ClientSession s = sessions.session("token-d", "dave", "");
    StatementRun held = ClientSessions.begin(callOf(s), "duckdb", "SELECT c");
    held.fetchedFrom("grpc://d2:1", "t3");
    sessions.daemonLeft("grpc://d1:1", "local-1");
    assertThat(sessions.running(held.id())).isSameAs(held);
    sessions.daemonLeft("grpc://d2:1", "local-2");
    assertThat(sessions.running(held.id())).isNull();
    assertThat(sessions.statementsByCode()).containsEntry("UNAVAILABLE", 1L);
  }

  @Test
  void sessionsAreBounded() {
    for (int i = 0; i < ClientSessions.MAX_SESSIONS + 100; i++) {
      sessions.session("token-" + i, "u", "");
    }
    assertThat(sessions.byId("nope")).isNull();
    assertThat(sessions.size()).isLessThanOrEqualTo(ClientSessions.MAX_SESSIONS);
  }
}
