package dev.kapu.api.builtin;

import java.io.Serializable;
import java.util.List;

/**
 * A metadata question about one catalog's database, answered where the database is (on a daemon,
 * see {@link SqlBackend#metadata}) as rows in the column order of the Flight SQL schema that
 * carries the answer, catalog columns holding the Kapu catalog's name.
 *
 * <p>Name patterns are SQL {@code LIKE} patterns ({@code %}, {@code _}, {@code \} escapes), null
 * for any. A pattern or name is matched exactly first; when that finds nothing, case-insensitively,
 * because clients upper-case names typed unquoted when their driver claims the database stores
 * upper case (the Flight SQL JDBC driver always does).
 */
public sealed interface CatalogRequest extends Serializable {

  /**
   * The database's own answers to GetSqlInfo, as rows of {@code (info code, value)}; values are a
   * {@link String}, {@link Boolean}, {@link Long}, {@link Integer} (a bitmask), a {@code
   * List<String>} or a {@code Map<Integer, List<Integer>>}, as {@link SqlInfoValues} writes them.
   */
  record Info() implements CatalogRequest {}

  /** Schemas: rows of {@code GET_SCHEMAS_SCHEMA}. */
  record Schemas(String schemaPattern) implements CatalogRequest {}

  /**
   * Tables: rows of {@code GET_TABLES_SCHEMA} (each table's Arrow schema as IPC bytes, its fields
   * carrying Flight SQL column metadata and the database's nullability) or, without schemas, of
   * {@code GET_TABLES_SCHEMA_NO_SCHEMA}.
   *
   * @param types the table types to keep ({@code TABLE}, {@code VIEW}, {@code LOCAL TEMPORARY}); empty for all
   */
  record Tables(String schemaPattern, String tablePattern, List<String> types, boolean withSchemas)
      implements CatalogRequest {}

  /** A table's primary key: rows of {@code GET_PRIMARY_KEYS_SCHEMA}. A null schema is any schema. */
  record PrimaryKeys(String schema, String table) implements CatalogRequest {}

  /**
   * Foreign keys, rows of {@code GET_IMPORTED_KEYS_SCHEMA}: those of the foreign-key table (imported
   * keys), those referring to the primary-key table (exported keys), or those between the two
   * (cross reference). Names are exact; a null schema is any schema.
   */
  record ForeignKeys(Direction direction, String pkSchema, String pkTable, String fkSchema, String fkTable)
      implements CatalogRequest {

    /** Which table the keys are asked about. */
    public enum Direction {
      /** The keys {@code fkTable} holds. */
      IMPORTED,
      /** The keys that refer to {@code pkTable}. */
      EXPORTED,
      /** The keys {@code fkTable} holds that refer to {@code pkTable}. */
      CROSS
    }
  }

  /** The database's types: rows of {@code GET_TYPE_INFO_SCHEMA}, all or those of one JDBC type. */
  record TypeInfo(Integer dataType) implements CatalogRequest {}
}
