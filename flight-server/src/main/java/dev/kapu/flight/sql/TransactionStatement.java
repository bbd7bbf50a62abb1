package dev.kapu.flight.sql;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A statement that controls a transaction (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, ...), as {@link
 * #parse} reads the SQL text a Flight SQL client sends. Such statements cannot simply go to the
 * database: each Kapu statement runs on a connection of its own, so a BEGIN there would begin
 * nothing the next statement sees. The server runs them as transactions of the client's session.
 *
 * <p>Read, in PostgreSQL's and DuckDB's words: {@code BEGIN [WORK | TRANSACTION] [modes]}, {@code
 * START TRANSACTION [modes]} (modes: {@code ISOLATION LEVEL ...}, {@code READ ONLY}, {@code READ
 * WRITE}, commas optional), {@code COMMIT} and {@code END} ({@code [WORK | TRANSACTION] [AND NO
 * CHAIN]}), {@code ROLLBACK} and {@code ABORT} (the same), {@code ROLLBACK [WORK | TRANSACTION] TO
 * [SAVEPOINT] name}, {@code SAVEPOINT name} and {@code RELEASE [SAVEPOINT] name}. An unquoted name
 * is folded to lower case, as PostgreSQL does.
 *
 * @param kind what it does
 * @param readOnly for BEGIN: {@code READ ONLY} was asked for
 * @param isolation for BEGIN: the {@link Connection} {@code TRANSACTION_*} level asked for, or
 *     {@code TRANSACTION_NONE}
 * @param savepoint for the savepoint kinds: the savepoint's name
 */
public record TransactionStatement(Kind kind, boolean readOnly, int isolation, String savepoint) {

  /** What a transaction statement does. */
  public enum Kind {
    BEGIN,
    COMMIT,
    ROLLBACK,
    SAVEPOINT,
    RELEASE_SAVEPOINT,
    ROLLBACK_TO_SAVEPOINT
  }

  /** The words that start a transaction statement, for a quick first look. */
  private static final List<String> HEADS = List.of("begin", "start", "commit", "end", "rollback", "abort",
      "savepoint", "release");

  /**
   * The transaction statement {@code sql} is, or null if it is none (any other statement, and a
   * string of several statements, which the database runs on one connection).
   *
   * @throws IllegalArgumentException for a transaction statement Kapu does not honour (COMMIT AND
   *     CHAIN, an unknown mode after BEGIN), saying what it does honour
   */
  public static TransactionStatement parse(String sql) {
    List<String> words = words(sql);
    if (words == null || words.isEmpty() || !HEADS.contains(words.get(0))) {
      return null;
    }
    return new Reader(words).statement();
  }

  /**
   * The statement's words: keywords and unquoted names lower-cased, quoted names as they are
   * (starting with {@code "}), anything else (literals, operators) as one "?" each; null for
   * several statements.
   */
  private static List<String> words(String sql) {
    List<String> words = new ArrayList<>();
    boolean ended = false;
    int i = 0;
    int n = sql.length();
    while (i < n) {
      char c = sql.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
        while (i < n && sql.charAt(i) != '\n') {
          i++;
        }
      } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
        int depth = 0;
        do {
          if (sql.startsWith("/*", i)) {
            depth++;
            i += 2;
          } else if (sql.startsWith("*/", i)) {
            depth--;
            i += 2;
          } else {
            i++;
          }
        } while (depth > 0 && i < n);
      } else if (c == ';') {
        ended = true;
        i++;
      } else {
        if (ended) {
          return null; // a second statement
        }
        if (Character.isLetter(c) || c == '_') {
          int start = i;
          while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_' || sql.charAt(i) == '$')) {
            i++;
          }
          words.add(sql.substring(start, i).toLowerCase(Locale.ROOT));
        } else if (c == '"') {
          StringBuilder name = new StringBuilder("\"");
          i++;
          while (i < n) {
            if (sql.charAt(i) == '"') {
              if (i + 1 < n && sql.charAt(i + 1) == '"') {
                name.append('"');
                i += 2;
                continue;
              }
              i++;
              break;
            }
            name.append(sql.charAt(i++));
          }
          words.add(name.toString());
        } else if (c == ',') {
          words.add(",");
          i++;
        } else {
          words.add("?");
          i++;
        }
      }
    }
    return words;
  }

  /** Reads one statement's words. */
  private static final class Reader {
    private final List<String> words;
    private int next;

    Reader(List<String> words) {
      this.words = words;
    }

    TransactionStatement statement() {
      String head = take();
      return switch (head) {
        case "begin" -> {
          optional("work", "transaction");
          yield begin();
        }
        case "start" -> {
          if (!optional("transaction")) {
            yield null; // START something else: not a transaction statement
          }
          yield begin();
        }
        case "commit", "end" -> {
          if (head.equals("commit") && peek("prepared")) {
            yield null; // two-phase commit: the database's business
          }
          optional("work", "transaction");
          noChain(head);
          yield end(new TransactionStatement(Kind.COMMIT, false, Connection.TRANSACTION_NONE, null));
        }
        case "rollback", "abort" -> {
          if (head.equals("rollback") && peek("prepared")) {
            yield null;
          }
          optional("work", "transaction");
          if (head.equals("rollback") && optional("to")) {
            optional("savepoint");
            yield end(savepoint(Kind.ROLLBACK_TO_SAVEPOINT, "ROLLBACK TO SAVEPOINT"));
          }
          noChain(head);
          yield end(new TransactionStatement(Kind.ROLLBACK, false, Connection.TRANSACTION_NONE, null));
        }
        case "savepoint" -> end(savepoint(Kind.SAVEPOINT, "SAVEPOINT"));
        case "release" -> {
          optional("savepoint");
          yield end(savepoint(Kind.RELEASE_SAVEPOINT, "RELEASE SAVEPOINT"));
        }
        default -> null;
      };
    }

    private TransactionStatement begin() {
      boolean readOnly = false;
      int isolation = Connection.TRANSACTION_NONE;
      while (next < words.size()) {
        if (optional(",")) {
          continue;
        }
        if (optional("isolation")) {
          expect("level");
          isolation = level();
        } else if (optional("read")) {
          if (optional("only")) {
            readOnly = true;
          } else if (optional("write")) {
            readOnly = false;
          } else {
            throw refused();
          }
        } else {
          throw refused();
        }
      }
      return new TransactionStatement(Kind.BEGIN, readOnly, isolation, null);
    }

    private int level() {
      if (optional("serializable")) {
        return Connection.TRANSACTION_SERIALIZABLE;
      }
      if (optional("repeatable")) {
        expect("read");
        return Connection.TRANSACTION_REPEATABLE_READ;
      }
      if (optional("read")) {
        if (optional("committed")) {
          return Connection.TRANSACTION_READ_COMMITTED;
        }
        expect("uncommitted");
        return Connection.TRANSACTION_READ_UNCOMMITTED;
      }
      throw refused();
    }

    private IllegalArgumentException refused() {
      return new IllegalArgumentException("Kapu runs BEGIN [WORK | TRANSACTION] and START TRANSACTION with"
          + " ISOLATION LEVEL {SERIALIZABLE | REPEATABLE READ | READ COMMITTED | READ UNCOMMITTED}, READ ONLY"
          + " or READ WRITE, and no other mode: '" + String.join(" ", words) + "'");
    }

    /** COMMIT AND CHAIN would begin the next transaction at once: refused rather than half done. */
    private void noChain(String head) {
      if (optional("and")) {
        if (optional("no") && optional("chain")) {
          return;
        }
        throw new IllegalArgumentException(head.toUpperCase(Locale.ROOT) + " AND CHAIN is not supported:"
            + " end the transaction, then BEGIN the next one");
      }
    }

    private TransactionStatement savepoint(Kind kind, String what) {
      if (next >= words.size() || !isName(words.get(next))) {
        throw new IllegalArgumentException(what + " needs a savepoint name");
      }
      String word = take();
      String name = word.startsWith("\"") ? word.substring(1) : word;
      return new TransactionStatement(kind, false, Connection.TRANSACTION_NONE, name);
    }

    private static boolean isName(String word) {
      return !word.equals(",") && !word.equals("?");
    }

    /** Nothing may follow. */
    private TransactionStatement end(TransactionStatement statement) {
      if (next < words.size()) {
        throw new IllegalArgumentException("unexpected '" + words.get(next) + "' in the transaction statement '"
            + String.join(" ", words) + "'");
      }
      return statement;
    }

    private String take() {
      return words.get(next++);
    }

    private boolean peek(String word) {
      return next < words.size() && words.get(next).equals(word);
    }

    private boolean optional(String... any) {
      for (String word : any) {
        if (peek(word)) {
          next++;
          return true;
        }
      }
      return false;
    }

    private void expect(String word) {
      if (!optional(word)) {
        throw refused();
      }
    }
  }
}
