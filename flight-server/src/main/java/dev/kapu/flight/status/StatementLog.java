package dev.kapu.flight.status;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The audit trail of Flight SQL statements: one line per statement on the logger {@value #NAME},
 * when it ends, with who ran what where, for how long, how many rows and how it ended. Each field is
 * an SLF4J key-value pair: the text log writes them as {@code key=value} (or {@code key="value"}),
 * for grep, and a JSON log encoder as fields.
 */
public final class StatementLog {
  /** The logger's name: configure or filter the audit trail by it. */
  public static final String NAME = "kapu.audit.statements";
  private static final Logger log = LoggerFactory.getLogger(NAME);
  /** Statement text beyond this is cut in the log line (the status shows it whole). */
  private static final int MAX_TEXT = 2_000;

  /** Administrators' actions (kill-session, cancels): who did what to whom. */
  private static final Logger admin = LoggerFactory.getLogger("kapu.audit.admin");

  private StatementLog() {}

  static void ended(String id, String user, String session, String catalog, String sql, long micros, long rows,
      long bytes, String code, String message) {
    if (!log.isInfoEnabled()) {
      return;
    }
    String text = sql.length() > MAX_TEXT ? sql.substring(0, MAX_TEXT) + "..." : sql;
    String oneLine = text.replaceAll("\\s+", " ").trim();
    LoggingEventBuilder event = log.atInfo()
        .addKeyValue("statement", id)
        .addKeyValue("user", user)
        .addKeyValue("session", session)
        .addKeyValue("catalog", catalog)
        .addKeyValue("status", code)
        .addKeyValue("durationMillis", micros / 1000.0)
        .addKeyValue("rows", rows)
        .addKeyValue("bytes", bytes)
        .addKeyValue("sql", oneLine);
    if (message != null) {
      event = event.addKeyValue("error", message.replaceAll("\\s+", " ").trim()); // one line, for grep
    }
    event.log("statement ended");
  }

  /** Logs an administrator's action: {@code who} did {@code what} ({@code kill-session ID}, ...) with {@code outcome}. */
  public static void adminAction(String who, String what, String target, String outcome) {
    admin.atInfo().addKeyValue("admin", who).addKeyValue("action", what).addKeyValue("target", target)
        .addKeyValue("outcome", outcome).log("administrator's action");
  }
}
