"""Landing files → one row per delivered record, in the same shape whatever the format.

Every reader returns the record as delivered (``value``: the line, or a Parquet
row as JSON), ``_source_file``, ``_malformed`` (a reason when the record cannot
be parsed at all), ``_row`` (the record typed by the contract), ``_raw`` (each
field as delivered, as text: a value that is there in ``_raw`` but null in
``_row`` did not fit its type) and ``_rescued_data`` (properties the contract
does not know, kept rather than dropped). CDC readers add the envelope (``op``,
``ts_ms``, ``before``, ``after``). The contract decides everything.
"""

from __future__ import annotations

from functools import reduce
from operator import and_

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from ecomlake.contracts import Contract, Reason


def _source_file() -> Column:
    """Landing layout is <source>/<delivery date>/<file>: keep those three parts."""
    return F.concat_ws("/", F.slice(F.split("_metadata.file_path", "/"), -3, 3))


def _no_reason() -> Column:
    return F.lit(None).cast("string")


def _file_name() -> Column:
    return F.element_at(F.split("_source_file", "/"), -1)


def _rescued(properties: Column, contract: Contract) -> Column:
    """Top-level JSON properties the contract does not declare, as a map (null when there are none)."""
    known = F.array(*[F.lit(f.name) for f in contract.fields])
    extra = F.map_filter(properties, lambda k, _: ~F.array_contains(known, k))
    return F.when(F.size(extra) > 0, extra)


def _json(lines: DataFrame, contract: Contract) -> DataFrame:
    """Each line is parsed three times, not once per field: typed, as text properties, and for validity."""
    passthrough = lines.columns
    parsed = lines.withColumn("_parsed", F.from_json("value", contract.envelope_ddl))
    if contract.is_cdc:
        row = F.coalesce(F.col("_parsed.after"), F.col("_parsed.before"))
        raw_row = F.coalesce(F.get_json_object("value", "$.after"), F.get_json_object("value", "$.before"))
        envelope = [F.col(f"_parsed.{name}").alias(name) for name in ("op", "ts_ms", "before", "after")]
    else:
        row = F.struct(*[F.col(f"_parsed.`{f.name}`").alias(f.name) for f in contract.fields])
        raw_row, envelope = F.col("value"), []
    # Every property as delivered, as text (nested values as their JSON).
    parsed = parsed.withColumn("_properties", F.from_json(raw_row, "map<string,string>"))
    raw = F.struct(*[F.col("_properties")[f.name].alias(f.name) for f in contract.fields])
    malformed = F.when(F.try_parse_json("value").isNull(), F.lit(Reason.MALFORMED_JSON.value))
    return parsed.select(
        *passthrough, malformed.alias("_malformed"), row.alias("_row"), raw.alias("_raw"),
        _rescued(F.col("_properties"), contract).alias("_rescued_data"), *envelope,
    )


def first_reason(checks: list[tuple[Column, str | Column]]) -> Column:
    """The reason of the first check that failed (a null check counts as passed), else null."""
    reason = _no_reason()
    for failed, why in reversed(checks):
        reason = F.when(F.coalesce(failed, F.lit(False)), why if isinstance(why, Column) else F.lit(why)).otherwise(
            reason)
    return reason


def _layouts(contract: Contract) -> dict[str | None, dict[str, str]]:
    """Header column → field, in file order, of each CSV layout: per variant (file-name prefix), or the contract's."""
    if contract.variants:
        return dict(contract.variants)
    return {None: {f.name: f.name for f in contract.fields}}


def _csv(lines: DataFrame, contract: Contract) -> DataFrame:
    passthrough = lines.columns
    layouts = _layouts(contract)
    variant = F.lit(None).cast("string")
    for name in layouts:
        if name is not None:
            variant = F.when(_file_name().startswith(f"{name}-"), F.lit(name)).otherwise(variant)
    lines = lines.withColumn("_variant", variant)

    def per_layout(pick) -> Column:
        """``pick(parsed record, layout)`` for each record's own layout."""
        out = F.lit(None)
        for name, columns in layouts.items():
            schema = ", ".join(f"`{field}` string" for field in columns.values()) + ", _corrupt string"
            parsed = F.from_csv("value", schema, {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": "_corrupt",
                                                 # RFC 4180: a quote inside a quoted value is doubled
                                                 "escape": '"'})
            out = F.when(F.col("_variant").eqNullSafe(F.lit(name)), pick(parsed, columns)).otherwise(out)
        return out

    def header(parsed: Column, columns: dict[str, str]) -> Column:
        matches = [parsed[field] == F.lit(column) for column, field in columns.items()]
        return reduce(and_, matches)

    raw_fields = []
    for spec in contract.fields:
        if spec.name == contract.variant_field:
            raw_fields.append(F.col("_variant").alias(spec.name))
            continue
        value = per_layout(lambda parsed, columns, field=spec.name: F.nullif(parsed[field], F.lit(""))
                           if field in columns.values() else F.lit(None).cast("string"))
        raw_fields.append(value.cast("string").alias(spec.name))
    records = lines.where(~F.coalesce(per_layout(header), F.lit(False)))
    checks = [(F.col("_variant").isNull(), Reason.UNKNOWN_VARIANT.value)] if contract.variants else []
    checks.append(((F.trim("value") == "") | per_layout(lambda parsed, _: parsed["_corrupt"]).isNotNull(),
                   Reason.MALFORMED_CSV.value))
    with_raw = records.withColumn("_raw", F.struct(*raw_fields))
    row = F.struct(*[F.col(f"_raw.`{f.name}`").try_cast(f.type).alias(f.name) for f in contract.fields])
    return with_raw.select(*passthrough, first_reason(checks).alias("_malformed"), row.alias("_row"),
                           "_raw", F.lit(None).cast("map<string,string>").alias("_rescued_data"))


def _text(spark: SparkSession, paths: list[str]) -> DataFrame:
    return spark.read.text(paths).withColumn("_source_file", _source_file())


def _parquet(spark: SparkSession, contract: Contract, paths: list[str]) -> DataFrame:
    schema = ", ".join(f"`{f.name}` {f.type}" for f in contract.fields)
    rows = spark.read.schema(schema).parquet(*paths).withColumn("_source_file", _source_file())
    row = F.struct(*[F.col(f"`{f.name}`") for f in contract.fields])
    return rows.select(
        F.to_json(row).alias("value"), "_source_file", _no_reason().alias("_malformed"), row.alias("_row"),
        F.struct(*[F.col(f"`{f.name}`").cast("string").alias(f.name) for f in contract.fields]).alias("_raw"),
        F.lit(None).cast("map<string,string>").alias("_rescued_data"),
    )


def parse_lines(lines: DataFrame, contract: Contract) -> DataFrame:
    """Text records (``value``, ``_source_file`` and any other columns, kept) in the common shape."""
    return _csv(lines, contract) if contract.format == "csv" else _json(lines, contract)


def read(spark: SparkSession, contract: Contract, paths: list[str]) -> DataFrame:
    """Every record of ``paths`` (files of one source) in the common shape described above."""
    if contract.format == "parquet":
        return _parquet(spark, contract, paths)
    return parse_lines(_text(spark, paths), contract)
