"""Column type names normalised to BigQuery's vocabulary, whatever the source spelled."""

from __future__ import annotations

from pipeval.lazy import exp, sqlglot, sqlglot_errors
from pipeval.ports import Column

_ALIASES = {
    "INTEGER": "INT64",
    "INT": "INT64",
    "BIGINT": "INT64",
    "SMALLINT": "INT64",
    "TINYINT": "INT64",
    "BYTEINT": "INT64",
    "HUGEINT": "INT64",
    "INT128": "INT64",
    "UBIGINT": "INT64",
    "UINTEGER": "INT64",
    "FLOAT": "FLOAT64",
    "DOUBLE": "FLOAT64",
    "REAL": "FLOAT64",
    "FLOAT4": "FLOAT64",
    "FLOAT8": "FLOAT64",
    "BOOLEAN": "BOOL",
    "VARCHAR": "STRING",
    "TEXT": "STRING",
    "CHAR": "STRING",
    "DECIMAL": "NUMERIC",
    "BIGDECIMAL": "BIGNUMERIC",
    "RECORD": "STRUCT",
    "BLOB": "BYTES",
    "BINARY": "BYTES",
    "VARBINARY": "BYTES",
    # Embedded mode stores BigQuery TIMESTAMPs as naive UTC values (DuckDB TIMESTAMP). BigQuery
    # DATETIME is a type of its own (civil time, no zone): a writer or DDL sending one into the
    # other fails, so it is never folded into TIMESTAMP.
    "TIMESTAMPTZ": "TIMESTAMP",
    "TIMESTAMPNTZ": "TIMESTAMP",
    "TIMESTAMPLTZ": "TIMESTAMP",
    "TIMESTAMP_NS": "TIMESTAMP",
    "TIMESTAMP_MS": "TIMESTAMP",
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMP",
    "JSON": "JSON",
}


def normalize_type(name: str) -> str:
    base = name.strip().upper().split("(", 1)[0].strip()
    return _ALIASES.get(base, base)


def _base_name(dtype: exp.DataType, dialect: str) -> str:
    """The scalar type's name. sqlglot reads BigQuery's DATETIME as its naive TIMESTAMP and
    BigQuery's TIMESTAMP as TIMESTAMPTZ, so BigQuery types are named in BigQuery's own spelling;
    DuckDB's naive TIMESTAMP is the embedded spelling of a BigQuery TIMESTAMP."""
    if dialect == "bigquery":
        return dtype.sql("bigquery")
    return dtype.this.name if dtype.this else dtype.sql()


def _from_datatype(name: str, dtype: exp.DataType, dialect: str) -> Column:
    if dtype.is_type(exp.DataType.Type.ARRAY, exp.DataType.Type.LIST):
        element = dtype.expressions[0] if dtype.expressions else exp.DataType.build("UNKNOWN")
        inner = _from_datatype(name, element, dialect)
        return Column(name, inner.type, "REPEATED", inner.fields)
    if dtype.is_type(exp.DataType.Type.STRUCT):
        definitions = [f for f in dtype.expressions if isinstance(f, exp.ColumnDef)]
        fields = tuple(column_from_def(definition, dialect) for definition in definitions)
        return Column(name, "STRUCT", "NULLABLE", fields)
    return Column(name, normalize_type(_base_name(dtype, dialect)), "NULLABLE")


def column_from_def(definition: exp.ColumnDef, dialect: str = "bigquery") -> Column:
    """A parsed column definition (DDL or STRUCT field); NOT NULL makes a non-array REQUIRED."""
    kind = definition.args.get("kind")
    column = (
        _from_datatype(definition.name, kind, dialect)
        if isinstance(kind, exp.DataType)
        else Column(definition.name, "UNKNOWN")
    )
    not_null = any(
        isinstance(constraint.args.get("kind"), exp.NotNullColumnConstraint)
        and not constraint.args["kind"].args.get("allow_null")
        for constraint in definition.args.get("constraints") or []
    )
    if not_null and column.mode == "NULLABLE":
        return Column(column.name, column.type, "REQUIRED", column.fields)
    return column


def type_signature(column: Column) -> str:
    """BigQuery DDL spelling of a column's type and mode, e.g. `ARRAY<STRUCT<a INT64 NOT NULL>>`."""
    base = column.type
    if column.type == "STRUCT":
        inner = ", ".join(f"{field.name} {type_signature(field)}" for field in column.fields)
        base = f"STRUCT<{inner}>"
    if column.mode == "REPEATED":
        return f"ARRAY<{base}>"
    return f"{base} NOT NULL" if column.mode == "REQUIRED" else base


def column_from_type(name: str, type_text: str, dialect: str = "duckdb") -> Column:
    try:
        dtype = exp.DataType.build(type_text, dialect=dialect)
    except (sqlglot_errors.ParseError, ValueError):
        return Column(name, normalize_type(type_text))
    if isinstance(dtype, exp.DataType):
        return _from_datatype(name, dtype, dialect)
    return Column(name, normalize_type(sqlglot.exp.DataType.build(type_text).sql()))
