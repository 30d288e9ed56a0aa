"""The benchmark's second engine: DuckDB computes the headline figures straight from the landing files.

Written from the source contracts and the marts' documented definitions, not from the platform's code: per
source the records delivered, those the contract rejects (by reason, the first rule broken, in the contract's
order) and the live latest state (newest record per key; a CDC delete ends a key; for a versioned source the
keys); then ``orders_daily``, each campaign's spend per day, the GMV tree's factors per own channel and day,
and each customer's paid orders and GMV. :mod:`ecomgen.bench.lake_figures` reads the same figures from what
Spark wrote, and the benchmark checks they agree.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from ecomlake.contracts import CDC_OPS, Contract, Field, Reason

Figures = dict[tuple, tuple]
"""A headline's figures: key → values; both engines must give the same dict."""

_SCALARS = {"string": "VARCHAR", "int": "INTEGER", "bigint": "BIGINT", "boolean": "BOOLEAN", "date": "DATE",
            "timestamp": "TIMESTAMP"}


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    """Run ``sql`` to the end (DuckDB 2 keeps an unread result open on the connection)."""
    return con.execute(sql).fetchall()


def duck_type(spark_type: str) -> str:
    """The DuckDB type of a contract's (Spark) type; an array of structs stays JSON (only "is it an array" is
    checked, not each element's fields)."""
    if spark_type.startswith("decimal"):
        return spark_type.upper()
    if spark_type.startswith("array<"):
        return "JSON"
    return _SCALARS[spark_type]


def _quoted(values: Iterable[object]) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


def _typed(spec: Field, raw: str) -> str:
    if spec.type.startswith("array<"):
        return f"CASE WHEN json_type({raw}) = 'ARRAY' THEN {raw}::JSON END"
    return f"TRY_CAST({raw} AS {duck_type(spec.type)})"


def reason_sql(contract: Contract) -> str:
    """The first contract rule a record breaks (``malformed`` first), as a SQL CASE over the ``raw_<field>``
    and typed ``<field>`` columns; null when it breaks none."""
    checks: list[tuple[str, str]] = []
    if contract.is_cdc:
        checks += [(f"op IS NULL OR op NOT IN ({_quoted(CDC_OPS)})", Reason.UNKNOWN_OP.value),
                   ("ts_ms IS NULL", f"{Reason.MISSING_REQUIRED}:ts_ms")]
    for spec in contract.fields:
        name = f'"{spec.name}"'
        checks.append((f'"raw_{spec.name}" IS NOT NULL AND {name} IS NULL', f"{Reason.BAD_TYPE}:{spec.name}"))
        if spec.required:
            checks.append((f"{name} IS NULL", f"{Reason.MISSING_REQUIRED}:{spec.name}"))
        if spec.allowed:
            checks.append((f"{name} NOT IN ({_quoted(spec.allowed)})", f"{Reason.NOT_ALLOWED}:{spec.name}"))
        if spec.min is not None:
            checks.append((f"{name} < {spec.min}", f"{Reason.OUT_OF_RANGE}:{spec.name}"))
        if spec.max is not None:
            checks.append((f"{name} > {spec.max}", f"{Reason.OUT_OF_RANGE}:{spec.name}"))
    whens = " ".join(f"WHEN {cond} THEN '{why}'" for cond, why in checks)
    return f"CASE WHEN malformed IS NOT NULL THEN malformed {whens} END"


def delivered_files(landing: Path, contract: Contract, days: list[str]) -> list[Path]:
    """The source's data files of the delivery days ``days`` (ISO dates) in a local landing zone."""
    return sorted(f for day in days for f in (landing / contract.source / day).glob(contract.files))


def _json_records(con: duckdb.DuckDBPyConnection, contract: Contract, files: list[Path]) -> str:
    """Each line as delivered, the fields of its row as text (``raw_``) and typed, the CDC envelope."""
    lines = (f"read_csv({[str(f) for f in files]}, columns={{'value': 'VARCHAR'}}, delim=chr(1), quote='', "
             "escape='', header=false, auto_detect=false, filename=true)")
    row = ("CASE WHEN json_type(_json, '$.after') = 'OBJECT' THEN json_extract(_json, '$.after') "
           "ELSE json_extract(_json, '$.before') END" if contract.is_cdc else "_json")
    envelope = ("json_extract_string(_json, '$.op') AS op, TRY_CAST(json_extract_string(_json, '$.ts_ms') AS BIGINT)"
                " AS ts_ms," if contract.is_cdc else "")
    raws = ", ".join(f"json_extract_string(_row, '$.\"{f.name}\"') AS \"raw_{f.name}\"" for f in contract.fields)
    return f"""
        SELECT value, filename, CASE WHEN _json IS NULL THEN '{Reason.MALFORMED_JSON}' END AS malformed,
               {envelope} {raws}
        FROM (SELECT *, CASE WHEN _json IS NOT NULL THEN {row} END AS _row
              FROM (SELECT *, CASE WHEN json_valid(value) THEN value END AS _json FROM {lines}))"""


def _csv_records(con: duckdb.DuckDBPyConnection, contract: Contract, files: list[Path]) -> str:
    """CSV lines parsed by Python's reader (a doubled quote inside quotes is one quote, as Spark's reader is set
    up); a file's layout comes from its name's variant prefix. Lines end as Spark's text reader ends them."""
    layouts = contract.variants or {None: {f.name: f.name for f in contract.fields}}
    rows = []
    for file in files:
        variant = next((v for v in layouts if v is not None and file.name.startswith(f"{v}-")), None)
        layout = layouts.get(variant)
        text = file.read_text(encoding="utf-8")
        header = None if layout is None else list(layout)
        for line in re.split(r"\r\n|\r|\n", text.removesuffix("\n")):
            values = next(csv.reader(io.StringIO(line)), [])
            if values == header:
                continue
            record = {"value": line, "filename": str(file), "malformed": None}
            if contract.variants and variant is None:
                record["malformed"] = Reason.UNKNOWN_VARIANT.value
            elif not line.strip() or len(values) != len(layout):
                record["malformed"] = Reason.MALFORMED_CSV.value
            fields = dict(zip(layout.values(), values, strict=False)) if layout else {}
            for spec in contract.fields:
                raw = variant if spec.name == contract.variant_field else (fields.get(spec.name) or None)
                record[f"raw_{spec.name}"] = raw
            rows.append(record)
    columns = ["value", "filename", "malformed", *[f"raw_{f.name}" for f in contract.fields]]
    table = pa.Table.from_pylist(rows, schema=pa.schema([(c, pa.string()) for c in columns]))
    con.register(f"_csv_{contract.source}", table)
    return f"SELECT * FROM _csv_{contract.source}"


def _parquet_records(con: duckdb.DuckDBPyConnection, contract: Contract, files: list[Path]) -> str:
    raws = ", ".join(f'CAST("{f.name}" AS VARCHAR) AS "raw_{f.name}"' for f in contract.fields)
    row = ", ".join(f"'{f.name}': \"{f.name}\"" for f in contract.fields)
    return (f"SELECT to_json({{{row}}})::VARCHAR AS value, filename, NULL::VARCHAR AS malformed, {raws} "
            f"FROM read_parquet({[str(f) for f in files]}, filename=true) AS p")


def land(con: duckdb.DuckDBPyConnection, contract: Contract, files: list[Path]) -> None:
    """Table ``records_<source>``: every record of ``files``, typed, with the rule it breaks (``reason``)."""
    reader = {"csv": _csv_records, "parquet": _parquet_records}.get(contract.format, _json_records)
    typed = ", ".join(f'{_typed(f, chr(34) + "raw_" + f.name + chr(34))} AS "{f.name}"' for f in contract.fields)
    _rows(con, f"""
        CREATE OR REPLACE TABLE records_{contract.source} AS
        SELECT *, {reason_sql(contract)} AS reason
        FROM (SELECT *, {typed}, sha256(value) AS record_hash,
                     CAST(regexp_extract(filename, '/(\\d{{4}}-\\d{{2}}-\\d{{2}})/[^/]+$', 1) AS DATE) AS delivered_on
              FROM ({reader(con, contract, files)}))""")


def _order_keys(contract: Contract) -> list[str]:
    """Newest first: the contract's ordering (lifecycle position for an ordered field), delivery date, hash."""
    out = []
    for name in contract.silver.order_by:
        spec = next((f for f in contract.fields if f.name == name), None)
        if spec is not None and spec.ordered:
            out.append(f'list_position([{_quoted(spec.allowed)}], "{name}") DESC')
        else:
            out.append(f'"{name}" DESC')
    return [*out, "delivered_on DESC", "record_hash DESC"]


def _key_columns(contract: Contract) -> str:
    return ", ".join(f'"{k}"' for k in contract.key)


def build_latest(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    """Table ``latest_<source>``: the newest valid record per key, without keys a CDC delete ended."""
    keys = _key_columns(contract)
    if contract.silver.history:  # versioned snapshots: every key has a current version
        order = f'"{contract.event_time}" DESC, delivered_on DESC, record_hash DESC'
    else:
        order = ", ".join(_order_keys(contract))
    live = "WHERE op <> 'd'" if contract.is_cdc else ""
    _rows(con, f"""
        CREATE OR REPLACE TABLE latest_{contract.source} AS
        SELECT * FROM (SELECT * FROM records_{contract.source} WHERE reason IS NULL
                       QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY {order}) = 1) {live}""")


def key_digest(keys: Iterable[tuple]) -> int:
    """Which keys, not only how many: the sum of a 64-bit hash of each key's values as text (order-independent, so
    both engines give the same digest for the same set of keys, whatever order they return them in)."""
    return sum(int.from_bytes(hashlib.blake2b("\x1f".join(map(str, key)).encode(), digest_size=8).digest(), "big")
               for key in keys) % 2**64


def source_figures(con: duckdb.DuckDBPyConnection, contract: Contract) -> Figures:
    """Records delivered, rejected per reason, and the live keys (how many, and which: :func:`key_digest`)."""
    source = contract.source
    figures: Figures = {("records",): _rows(con, f"SELECT count(*) FROM records_{source}")[0]}
    for reason, n in _rows(con, f"SELECT reason, count(*) FROM records_{source} WHERE reason IS NOT NULL "
                             "GROUP BY reason"):
        figures[("quarantined", reason)] = (n,)
    live = _rows(con, f"SELECT {_key_columns(contract)} FROM latest_{source}")
    figures[("live",)] = (len(live),)
    figures[("live keys",)] = (key_digest(live),)
    return figures


def _orders() -> str:
    """Live orders with what the marts derive: the order date, paid or not, units."""
    return """SELECT *, CAST(created_at AS DATE) AS order_date, status IN ('paid', 'shipped', 'delivered') AS is_paid,
                     coalesce(list_sum(CAST(json_extract(items, '$[*].quantity') AS BIGINT[])), 0) AS units
              FROM latest_orders"""


def orders_daily(con: duckdb.DuckDBPyConnection) -> Figures:
    """Per order date and channel: orders, paid orders, buyers, GMV, units sold, AOV (fen, truncated)."""
    rows = _rows(con, f"""
        SELECT order_date, channel, count(DISTINCT order_id), count(DISTINCT order_id) FILTER (is_paid),
               count(DISTINCT user_id), coalesce(sum(total_fen) FILTER (is_paid), 0),
               coalesce(sum(units) FILTER (is_paid), 0)
        FROM ({_orders()}) GROUP BY ALL""")
    return {(d, c): (o, p, b, g, u, g // p if p else None) for d, c, o, p, b, g, u in rows}


def campaign_spend(con: duckdb.DuckDBPyConnection) -> Figures:
    """Each campaign's spend per day as its platform reports it, in fen."""
    rows = _rows(con, """SELECT spend_date, platform, campaign_id, CAST(round(spend_yuan * 100) AS BIGINT)
                      FROM latest_ad_spend""")
    return {(d, p, c): (s,) for d, p, c, s in rows}


def gmv_tree(con: duckdb.DuckDBPyConnection, own_channels: list[str]) -> Figures:
    """Per own channel and day with visitors: distinct visitors (bots, by their user agent, excluded), paid
    orders, GMV."""
    rows = _rows(con, f"""
        WITH visitors AS (
            SELECT CAST(event_time AS DATE) AS day, platform AS channel, count(DISTINCT anonymous_id) AS visitors
            FROM latest_clickstream
            WHERE NOT coalesce(regexp_matches(user_agent, '(?i)(bot|spider|crawler|python-requests|curl)'), false)
            GROUP BY ALL),
        paid AS (
            SELECT order_date AS day, channel, count(*) AS orders, sum(total_fen) AS gmv
            FROM ({_orders()}) WHERE is_paid AND channel IN ({_quoted(own_channels)}) GROUP BY ALL)
        SELECT day, channel, visitors, coalesce(orders, 0), coalesce(gmv, 0)
        FROM visitors LEFT JOIN paid USING (day, channel)""")
    return {(d, c): (v, o, g) for d, c, v, o, g in rows}


@dataclass(frozen=True)
class CustomerMap:
    """Whose orders are whose: the published identifier → customer map (the identity graph is not re-derived
    here), and the keyed token silver gives a guest's phone."""

    accounts: dict[str, str]
    phones: dict[str, str]
    token: Callable[[str], str]


def customer_value(con: duckdb.DuckDBPyConnection, owners: CustomerMap, as_of: date) -> Figures:
    """Per customer with a paid order up to ``as_of``: paid orders and GMV, an order belonging to its account's
    customer, a guest order to its phone's."""
    rows = _rows(con, f"""SELECT user_id, shipping_phone, total_fen FROM ({_orders()})
                       WHERE is_paid AND order_date <= DATE '{as_of}'""")
    totals: dict[str, list[int]] = {}
    for user_id, phone, total in rows:
        owner = (owners.accounts.get(user_id) if user_id is not None
                 else owners.phones.get(owners.token(phone)) if phone else None)
        if owner is not None:
            value = totals.setdefault(owner, [0, 0])
            value[0] += 1
            value[1] += total
    return {(k,): tuple(v) for k, v in totals.items()}
