package dev.kapu.flight.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.sql.FlightSqlProducer.Schemas;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlInfo;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.UInt4Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.DenseUnionVector;
import org.apache.arrow.vector.util.JsonStringArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** GetSqlInfo values land in the dense union member of their type, readable as the JDBC driver reads them. */
class SqlInfoValuesTest {
  private final BufferAllocator allocator = new RootAllocator();

  @AfterEach
  void close() {
    allocator.close(); // fails on a leak
  }

  @Test
  void everyValueTypeRoundTripsInTheRequestedOrder() {
    Map<Integer, Object> values = Map.of(
        SqlInfo.FLIGHT_SQL_SERVER_NAME_VALUE, "Kapu",
        SqlInfo.SQL_TRANSACTIONS_SUPPORTED_VALUE, true,
        SqlInfo.SQL_DEFAULT_TRANSACTION_ISOLATION_VALUE, 2L,
        SqlInfo.SQL_SUPPORTED_UNIONS_VALUE, 3,
        SqlInfo.SQL_KEYWORDS_VALUE, List.of("pivot", "qualify"),
        SqlInfo.SQL_SUPPORTS_CONVERT_VALUE, Map.of(7, List.of(0, 19)),
        SqlInfo.SQL_NUMERIC_FUNCTIONS_VALUE, List.of(),
        SqlInfo.SQL_SAVEPOINTS_SUPPORTED_VALUE, false);
    List<Integer> codes = List.of(SqlInfo.SQL_KEYWORDS_VALUE, SqlInfo.FLIGHT_SQL_SERVER_NAME_VALUE,
        SqlInfo.FLIGHT_SQL_SERVER_SUBSTRAIT_MIN_VERSION_VALUE, SqlInfo.SQL_SUPPORTS_CONVERT_VALUE, SqlInfo.SQL_TRANSACTIONS_SUPPORTED_VALUE,
        SqlInfo.SQL_DEFAULT_TRANSACTION_ISOLATION_VALUE, SqlInfo.SQL_SUPPORTED_UNIONS_VALUE,
        SqlInfo.SQL_NUMERIC_FUNCTIONS_VALUE, SqlInfo.SQL_SAVEPOINTS_SUPPORTED_VALUE);
    try (VectorSchemaRoot root = VectorSchemaRoot.create(Schemas.GET_SQL_INFO_SCHEMA, allocator)) {
      root.allocateNew();
      SqlInfoValues.write(values, codes, root);

      assertThat(root.getRowCount()).isEqualTo(8); // the code it holds no value for is left out
      UInt4Vector names = (UInt4Vector) root.getVector(0);
      DenseUnionVector union = (DenseUnionVector) root.getVector(1);
      List<Integer> written = new ArrayList<>();
      for (int row = 0; row < root.getRowCount(); row++) {
        written.add(names.get(row));
      }
      assertThat(written).containsExactly(SqlInfo.SQL_KEYWORDS_VALUE, SqlInfo.FLIGHT_SQL_SERVER_NAME_VALUE,
          SqlInfo.SQL_SUPPORTS_CONVERT_VALUE, SqlInfo.SQL_TRANSACTIONS_SUPPORTED_VALUE,
          SqlInfo.SQL_DEFAULT_TRANSACTION_ISOLATION_VALUE, SqlInfo.SQL_SUPPORTED_UNIONS_VALUE,
          SqlInfo.SQL_NUMERIC_FUNCTIONS_VALUE, SqlInfo.SQL_SAVEPOINTS_SUPPORTED_VALUE);
      assertThat(((JsonStringArrayList<?>) union.getObject(0)).stream().map(Object::toString))
          .containsExactly("pivot", "qualify");
      assertThat(union.getObject(1).toString()).isEqualTo("Kapu");
      assertThat(union.getObject(2).toString()).contains("\"key\":7").contains("[0,19]");
      assertThat(union.getObject(3)).isEqualTo(true);
      assertThat(union.getObject(4)).isEqualTo(2L);
      assertThat(union.getObject(5)).isEqualTo(3);
      assertThat((List<?>) union.getObject(6)).isEmpty();
      assertThat(union.getObject(7)).isEqualTo(false);
      assertThat(union.getTypeId(4)).isEqualTo((byte) 2); // bigint_value, as the driver reads Long
      assertThat(union.getTypeId(5)).isEqualTo((byte) 3); // int32_bitmask
    }
  }

  @Test
  void aValueWithNoFlightSqlTypeIsRefused() {
    try (VectorSchemaRoot root = VectorSchemaRoot.create(Schemas.GET_SQL_INFO_SCHEMA, allocator)) {
      root.allocateNew();
      assertThatThrownBy(() -> SqlInfoValues.write(Map.of(1, 2.5), List.of(1), root))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("SqlInfo 1");
    }
  }
}
