package dev.kapu.flight;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.serial.ErrorCategory;
import io.grpc.Status;
import java.io.IOException;
import java.sql.SQLException;
import java.util.Map;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.grpc.StatusUtils;
import org.junit.jupiter.api.Test;

class ErrorStatusesTest {

  @Test
  void everyCategoryHasTheStatusTheRuleGivesIt() {
    Map<ErrorCategory, Status.Code> onTheWire = Map.of(
        ErrorCategory.INVALID_STATEMENT, Status.Code.INVALID_ARGUMENT,
        ErrorCategory.UNKNOWN_NAME, Status.Code.NOT_FOUND,
        ErrorCategory.ALREADY_EXISTS, Status.Code.ALREADY_EXISTS,
        ErrorCategory.NOT_PERMITTED, Status.Code.PERMISSION_DENIED,
        ErrorCategory.RESOURCES_EXHAUSTED, Status.Code.RESOURCE_EXHAUSTED,
        ErrorCategory.CANCELLED, Status.Code.CANCELLED,
        ErrorCategory.TRANSIENT, Status.Code.UNAVAILABLE,
        ErrorCategory.UNSUPPORTED, Status.Code.UNIMPLEMENTED,
        ErrorCategory.DATABASE_FAILURE, Status.Code.UNKNOWN);
    assertThat(onTheWire).containsOnlyKeys(ErrorCategory.values());
    onTheWire.forEach((category, grpc) ->
        assertThat(StatusUtils.toGrpcStatusCode(ErrorStatuses.code(category).code())).as(category.name()).isEqualTo(grpc));
    assertThat(ErrorStatuses.code(null).code()).isEqualTo(FlightStatusCode.INTERNAL);
  }

  @Test
  void flightsUnauthorizedTravelsAsGrpcsPermissionDenied() {
    assertThat(StatusUtils.toGrpcStatusCode(FlightStatusCode.UNAUTHORIZED)).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(StatusUtils.fromGrpcStatusCode(Status.Code.PERMISSION_DENIED)).isEqualTo(FlightStatusCode.UNAUTHORIZED);
  }

  @Test
  void aStatementFailureUnderWrappersDecidesWithItsOwnMessage() {
    StatementFailure failure = new StatementFailure(ErrorCategory.UNKNOWN_NAME, "statement on 'pg' failed: ERROR: "
        + "relation \"nope\" does not exist", null);
    FlightRuntimeException status = ErrorStatuses.of(new IllegalStateException(failure));
    assertThat(status.status().code()).isEqualTo(FlightStatusCode.NOT_FOUND);
    assertThat(status.getMessage()).isEqualTo(failure.getMessage());
  }

  @Test
  void aFlightStatusPassesThrough() {
    FlightRuntimeException cancelled = CallStatus.CANCELLED.withDescription("stopped").toRuntimeException();
    assertThat(ErrorStatuses.of(new IOException("reading failed", cancelled))).isSameAs(cancelled);
  }

  @Test
  void aCallThatFailedWithAFlightStatusKeepsItWhateverTheSourceJudged() {
    FlightRuntimeException exists = CallStatus.ALREADY_EXISTS.withDescription("table 'x' exists").toRuntimeException();
    assertThat(ErrorStatuses.of(null, "upload failed", new IllegalStateException(exists))).isSameAs(exists);
    FlightRuntimeException judged = ErrorStatuses.of(ErrorCategory.CANCELLED, "stopped", new IOException("x"));
    assertThat(judged.status().code()).isEqualTo(FlightStatusCode.CANCELLED);
    assertThat(judged.getMessage()).isEqualTo("stopped");
  }

  @Test
  void aReadOnlyRefusalNamesTheUserAndTheCatalog() {
    FlightRuntimeException status = ErrorStatuses.of(new SecurityException("the statement tried to write"), "ann", "pg");
    assertThat(status.status().code()).isEqualTo(FlightStatusCode.UNAUTHORIZED);
    assertThat(status.getMessage()).isEqualTo("user 'ann' may only read 'pg': the statement tried to write");
  }

  @Test
  void kapusOwnFaultsAreInternalAndBadArgumentsInvalid() {
    assertThat(ErrorStatuses.of(new NullPointerException()).status().code()).isEqualTo(FlightStatusCode.INTERNAL);
    assertThat(ErrorStatuses.of(new StatementFailure(null, "lost", null)).status().code())
        .isEqualTo(FlightStatusCode.INTERNAL);
    assertThat(ErrorStatuses.of(new IllegalArgumentException("unknown resource 'x'")).status().code())
        .isEqualTo(FlightStatusCode.INVALID_ARGUMENT);
  }

  @Test
  void messagesLoseTheClassNamesWrappersAddButKeepEveryonesWords() {
    SQLException database = new SQLException("Invalid Input Error: boom");
    IOException wrapped = new IOException(database); // message: "java.sql.SQLException: Invalid Input Error: boom"
    assertThat(ErrorStatuses.message(new IllegalStateException("reading failed: " + wrapped.getMessage(), wrapped)))
        .isEqualTo("reading failed: Invalid Input Error: boom");
    Exception custom = new Exception("Conversion Error: x") {
      @Override
      public String toString() {
        return "CDataJniException{errno=-1, message=" + getMessage() + "}";
      }
    };
    assertThat(ErrorStatuses.message(new IOException(custom.toString(), custom))).isEqualTo("Conversion Error: x");
    assertThat(ErrorStatuses.message(new NullPointerException())).doesNotContain("NullPointerException")
        .contains("Kapu");
  }
}
