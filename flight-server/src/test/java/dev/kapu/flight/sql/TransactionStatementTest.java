package dev.kapu.flight.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.flight.sql.TransactionStatement.Kind;
import java.sql.Connection;
import org.junit.jupiter.api.Test;

class TransactionStatementTest {

  private static TransactionStatement parse(String sql) {
    return TransactionStatement.parse(sql);
  }

  @Test
  void beginsInEveryWordingPostgresAndDuckDbAccept() {
    for (String sql : new String[] {"BEGIN", "begin;", "  BEGIN WORK ; ", "BEGIN TRANSACTION", "START TRANSACTION",
        "-- a comment\nBegin /* another /* nested */ one */ Transaction;;"}) {
      assertThat(parse(sql)).as(sql).isEqualTo(new TransactionStatement(Kind.BEGIN, false, Connection.TRANSACTION_NONE, null));
    }
  }

  @Test
  void beginReadsModes() {
    assertThat(parse("BEGIN TRANSACTION READ ONLY").readOnly()).isTrue();
    assertThat(parse("START TRANSACTION READ WRITE").readOnly()).isFalse();
    TransactionStatement both = parse("BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY");
    assertThat(both.readOnly()).isTrue();
    assertThat(both.isolation()).isEqualTo(Connection.TRANSACTION_SERIALIZABLE);
    assertThat(parse("begin isolation level repeatable read").isolation()).isEqualTo(Connection.TRANSACTION_REPEATABLE_READ);
    assertThat(parse("START TRANSACTION ISOLATION LEVEL READ COMMITTED READ WRITE").isolation())
        .isEqualTo(Connection.TRANSACTION_READ_COMMITTED);
    assertThat(parse("BEGIN ISOLATION LEVEL READ UNCOMMITTED").isolation())
        .isEqualTo(Connection.TRANSACTION_READ_UNCOMMITTED);
  }

  @Test
  void refusesModesItCannotHonour() {
    assertThatThrownBy(() -> parse("BEGIN DEFERRABLE")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("READ ONLY");
    assertThatThrownBy(() -> parse("BEGIN ISOLATION LEVEL SNAPSHOT")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> parse("COMMIT AND CHAIN")).hasMessageContaining("AND CHAIN is not supported");
    assertThatThrownBy(() -> parse("ROLLBACK AND CHAIN")).hasMessageContaining("AND CHAIN is not supported");
    assertThatThrownBy(() -> parse("SAVEPOINT")).hasMessageContaining("needs a savepoint name");
    assertThatThrownBy(() -> parse("COMMIT now")).hasMessageContaining("unexpected 'now'");
  }

  @Test
  void endsEitherWay() {
    for (String sql : new String[] {"COMMIT", "commit work", "END", "END TRANSACTION", "COMMIT AND NO CHAIN"}) {
      assertThat(parse(sql).kind()).as(sql).isEqualTo(Kind.COMMIT);
    }
    for (String sql : new String[] {"ROLLBACK", "ABORT", "rollback transaction;", "ABORT WORK AND NO CHAIN"}) {
      assertThat(parse(sql).kind()).as(sql).isEqualTo(Kind.ROLLBACK);
    }
  }

  @Test
  void savepointsFoldUnquotedNamesAsPostgresDoes() {
    assertThat(parse("SAVEPOINT Before_Load")).isEqualTo(
        new TransactionStatement(Kind.SAVEPOINT, false, Connection.TRANSACTION_NONE, "before_load"));
    assertThat(parse("SAVEPOINT \"Mixed \"\"Case\"\"\"").savepoint()).isEqualTo("Mixed \"Case\"");
    assertThat(parse("RELEASE a")).isEqualTo(new TransactionStatement(Kind.RELEASE_SAVEPOINT, false, 0, "a"));
    assertThat(parse("RELEASE SAVEPOINT a").kind()).isEqualTo(Kind.RELEASE_SAVEPOINT);
    assertThat(parse("ROLLBACK TO a")).isEqualTo(new TransactionStatement(Kind.ROLLBACK_TO_SAVEPOINT, false, 0, "a"));
    assertThat(parse("ROLLBACK WORK TO SAVEPOINT a").kind()).isEqualTo(Kind.ROLLBACK_TO_SAVEPOINT);
  }

  @Test
  void otherStatementsAndSeveralStatementsAreTheDatabases() {
    for (String sql : new String[] {"SELECT 1", "INSERT INTO begin VALUES (1)", "BEGIN; INSERT INTO t VALUES (1); COMMIT",
        "COMMIT PREPARED 'x'", "ROLLBACK PREPARED 'x'", "START something", "", "  -- only a comment",
        "beginning", "\"BEGIN\""}) {
      assertThat(parse(sql)).as(sql).isNull();
    }
  }
}
