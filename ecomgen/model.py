"""What a source generator returns, and how records are rendered and broken, from the contract.

Generators build rows as dicts in contract terms; the helpers here turn them
into the source's native text (JSON line, CSV line, Parquet row) and into
deliberately bad records labelled with the reason ingestion must give.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from ecomlake.contracts import Contract, Reason

LINES_PER_PART = 50_000


@dataclass(frozen=True)
class Day:
    """One delivery day of a generated history; everything a generator may depend on."""

    day: date
    seed: int
    scale: float
    first_day: date

    @property
    def index(self) -> int:
        """Days since the history began (0 on the first delivery)."""
        return (self.day - self.first_day).days

    def rng(self, source: str) -> random.Random:
        return random.Random(f"{source}:{self.seed}:{self.day.isoformat()}")

    def count(self, at_scale_1: int, minimum: int = 1) -> int:
        return max(minimum, int(at_scale_1 * self.scale))


@dataclass(frozen=True)
class Record:
    """One delivered record: its text (or Parquet ``row``), its key, and why it is bad if it is meant to be."""

    text: str
    key: str | None
    bad_reason: str | None = None
    row: dict | None = None


@dataclass(frozen=True)
class DeliveryFile:
    name: str
    records: Iterable[Record]
    header: str | None = None


def iso(ts: datetime) -> str:
    """Timestamps as the source systems write them: UTC, milliseconds, ``Z``."""
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def ms(ts: datetime) -> int:
    return int(ts.timestamp() * 1000)


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def json_line(row: dict) -> str:
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso(value)
    return str(value)


def csv_line(values: Iterable[object]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([_csv_value(v) for v in values])
    return out.getvalue()


def parquet_text(row: dict) -> str:
    """A Parquet row as Spark's ``to_json`` renders it (nulls left out): the text its record hash is of."""
    return json_line({k: v.isoformat() if isinstance(v, date) else v for k, v in row.items() if v is not None})


def arrow_type(spark_type: str):
    import pyarrow as pa

    simple = {"string": pa.string(), "int": pa.int32(), "bigint": pa.int64(), "double": pa.float64(),
              "boolean": pa.bool_(), "date": pa.date32(), "timestamp": pa.timestamp("us", tz="UTC")}
    if spark_type in simple:
        return simple[spark_type]
    raise ValueError(f"no Parquet type for {spark_type!r}")


def parts(source: str, day: date, records: Iterable[Record], per_part: int = LINES_PER_PART
          ) -> Iterator[DeliveryFile]:
    """JSON-lines parts ``<source>-<date>-part-<n>.jsonl`` of at most ``per_part`` records."""
    batch: list[Record] = []
    number = 0
    for record in records:
        batch.append(record)
        if len(batch) == per_part:
            number += 1
            yield DeliveryFile(f"{source}-{day.isoformat()}-part-{number:04d}.jsonl", batch)
            batch = []
    if batch or number == 0:
        yield DeliveryFile(f"{source}-{day.isoformat()}-part-{number + 1:04d}.jsonl", batch)


def breakages(contract: Contract) -> list[tuple[str, str | None, object]]:
    """Every way to break a row this contract can detect: (reason, field, bad value)."""
    kinds: list[tuple[str, str | None, object]] = [(Reason.MALFORMED_JSON.value, None, None)]
    for spec in contract.fields:
        if spec.name == contract.variant_field:
            continue  # not in the delivered row: it comes from the file name
        if spec.required:
            kinds.append((f"{Reason.MISSING_REQUIRED}:{spec.name}", spec.name, None))
        if spec.allowed:
            kinds.append((f"{Reason.NOT_ALLOWED}:{spec.name}", spec.name, "fax"))
        if spec.min is not None:
            kinds.append((f"{Reason.OUT_OF_RANGE}:{spec.name}", spec.name, spec.min - 7))
        if spec.type in ("int", "bigint", "date", "timestamp", "boolean") or spec.type.startswith("decimal"):
            kinds.append((f"{Reason.BAD_TYPE}:{spec.name}", spec.name, "n/a"))
    return kinds


def bad_count(contract: Contract, good: int) -> int:
    """About 1% of a delivery, at least one, at most one of each kind of breakage."""
    return max(1, min(len(breakages(contract)), good // 100))


def broken_rows(contract: Contract, day: Day, sample: list[dict], good: int
                ) -> Iterator[tuple[dict, str, str | None]]:
    """Rows copied from ``sample`` and broken one way each (see :func:`bad_count`).

    The kinds of breakage rotate from day to day, so a few days cover them all
    even at demo scale. Yields (row, reason, field); a ``malformed`` row is left
    intact for the caller to cut short in its own format. Keys get a ``BAD``
    prefix so a broken copy never collides with the good record it came from.
    """
    rng = day.rng(f"{contract.source}-bad")
    kinds = [k for k in breakages(contract) if k[1] not in contract.key or k[0].startswith(Reason.MISSING_REQUIRED)]
    count = bad_count(contract, good)
    for n in range(count):
        reason, name, value = kinds[(day.index * count + n) % len(kinds)]
        row = dict(rng.choice(sample))
        for key in contract.key:
            if isinstance(row.get(key), str):
                row[key] = f"BAD{day.day:%Y%m%d}{n:04d}{row[key]}"
        if name is not None:
            row[name] = value
        yield row, reason, name


def bad_json_records(contract: Contract, day: Day, sample: list[dict], good: int,
                     wrap: Callable[[dict], dict] = lambda row: row) -> list[Record]:
    """Broken JSON lines; ``wrap`` puts a row in its envelope (e.g. a CDC event)."""
    records = []
    for row, reason, _ in broken_rows(contract, day, sample, good):
        text = json_line(wrap(row))
        if reason == Reason.MALFORMED_JSON.value:
            text = text[: len(text) // 2]  # the writer was cut off
        records.append(Record(text, None, reason))
    return records


def bad_csv_records(contract: Contract, day: Day, sample: list[dict], good: int,
                    columns: list[str]) -> list[Record]:
    """Broken CSV lines: missing, unknown or mistyped values, and lines cut short (``malformed_csv``)."""
    records = []
    for row, reason, _ in broken_rows(contract, day, sample, good):
        values = [row.get(column) for column in columns]
        if reason == Reason.MALFORMED_JSON.value:
            reason, values = Reason.MALFORMED_CSV.value, values[: max(1, len(values) // 2)]
        records.append(Record(csv_line(values), None, reason))
    return records


def scatter(rng: random.Random, records: list[Record], extra: list[Record]) -> list[Record]:
    """``records`` with ``extra`` inserted at random places (deterministic for ``rng``)."""
    out = list(records)
    for record in extra:
        out.insert(rng.randrange(len(out) + 1), record)
    return out


def money_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))
