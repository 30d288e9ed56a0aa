"""Deterministic synthetic deliveries for the ten sources, with ground truth beside them.

Each source module has ``deliver(day: Day) -> Iterable[DeliveryFile]``: the
files the source system puts into landing on ``day.day``, as a pure function of
(seed, scale, first day of the history, day). This package writes them in the
source's native format (from its contract): each file appears whole (a local
file renamed into place, an S3 object in one upload; see :mod:`ecomlake.storage`),
then a ``_READY`` marker, then the arrival is announced (see
:mod:`ecomlake.landing`). Ground truth goes to ``<truth>/<source>/<date>/manifest.json``
(every deliberately bad record with its reason, the good keys) and, for the whole
history, ``<truth>/identity.csv`` (which identifier belongs to which real person).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType
from typing import IO

from ecomgen.model import Day, DeliveryFile, Record
from ecomlake import storage
from ecomlake.config import Settings
from ecomlake.contracts import SOURCE_ORDER, Contract, load_contract
from ecomlake.landing import READY_MARKER, announce_arrival

log = logging.getLogger(__name__)

__all__ = ["Day", "DeliveryFile", "Record", "generate", "write_delivery", "generated_keys", "SOURCES"]


def _generator(source: str) -> ModuleType:
    """The source's generator module: ``deliver(day)``, and optionally ``truth(day)``."""
    return importlib.import_module(f"ecomgen.{source}")


SOURCES = SOURCE_ORDER


@dataclass(frozen=True)
class DeliveryReport:
    source: str
    day: date
    files: list[str]
    lines: int
    bad_records: int
    keys: int


def record_hash(text: str) -> str:
    """The record hash bronze stores: SHA-256 of the record as delivered (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _write_text(out: IO[str], records: list[Record], header: str | None) -> None:
    if header is not None:
        out.write(header + "\n")
    for record in records:
        out.write(record.text + "\n")


def _write_parquet(where: Path | IO[bytes], records: list[Record], contract: Contract) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ecomgen.model import arrow_type

    schema = pa.schema([pa.field(f.name, arrow_type(f.type)) for f in contract.fields])
    rows = [record.row for record in records]
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), where)


def _write_file(landing: storage.Store, path: str, file: DeliveryFile, contract: Contract) -> list[Record]:
    records = list(file.records)
    if contract.format == "parquet":
        with landing.writer(path) as out:
            _write_parquet(out, records, contract)
    else:
        with landing.text_writer(path) as out:
            _write_text(out, records, file.header)
    return records


def write_delivery(cfg: Settings, source: str, day: Day) -> DeliveryReport:
    """Write one source's delivery for ``day`` into landing, its truth manifest, then ``_READY``."""
    contract = load_contract(source)
    landing, delivery = storage.at(cfg.landing_root), f"{source}/{day.day.isoformat()}"
    files, bad, keys, lines = [], [], set(), 0
    generator = _generator(source)
    for file in generator.deliver(day):
        relative = f"{delivery}/{file.name}"
        records = _write_file(landing, relative, file, contract)
        files.append(relative)
        lines += len(records)
        for record in records:
            if record.bad_reason:
                bad.append({"file": relative, "record_hash": record_hash(record.text), "reason": record.bad_reason})
            elif record.key is not None:
                keys.add(record.key)
    manifest = {"source": source, "day": day.day.isoformat(), "seed": day.seed, "scale": day.scale,
                "first_day": day.first_day.isoformat(), "files": files, "lines": lines,
                "bad_records": bad, "keys": sorted(keys)}
    if hasattr(generator, "truth"):  # what else the source hid in the data (e.g. brushing rings)
        manifest.update(generator.truth(day))
    truth = json.dumps(manifest, ensure_ascii=False, indent=1)
    storage.at(cfg.truth_root).write_text(f"{delivery}/manifest.json", truth)
    landing.write_text(f"{delivery}/{READY_MARKER}", json.dumps({"files": files, "lines": lines}))
    announce_arrival(cfg, source)
    log.info("delivered %s %s: %d records in %d files (%d bad)", source, day.day, lines, len(files), len(bad))
    return DeliveryReport(source, day.day, files, lines, len(bad), len(keys))


def write_identity_truth(cfg: Settings, seed: int, scale: float) -> None:
    """``<truth>/identity.csv``: identifier type, identifier, person, for every identifier the sources use."""
    from ecomgen.people import identity_rows

    with storage.at(cfg.truth_root).text_writer("identity.csv") as out:
        out.write("identifier_type,identifier,person_id\n")
        for kind, value, person in identity_rows(seed, scale):
            out.write(f"{kind},{value},{person}\n")


def days(start: date, count: int) -> Iterator[date]:
    return (start + timedelta(days=offset) for offset in range(count))


LONGEST = ("orders", "clickstream")
"""The sources whose generation takes longest (measured at scale 0.1: 20 and 11 of 48 s)."""


def generate(cfg: Settings, sources: list[str], start: date, count: int, seed: int, scale: float,
             first_day: date | None = None, workers: int = 1) -> list[DeliveryReport]:
    """Deliver ``count`` days of ``sources`` from ``start``; the history begins at ``first_day`` (default ``start``).

    With ``workers`` > 1 the deliveries are written by that many forked processes (each delivery is a pure
    function of seed, scale and days, so the files are the same): the caller must hold no thread that a
    child could need, e.g. a Spark session's (the CLI, not a test session). The children inherit the shop's
    people, built once here for the identity truth. Reports come back in delivery order either way."""
    write_identity_truth(cfg, seed, scale)
    ordered = [s for s in SOURCES if s in sources]
    deliveries = [(source, Day(day, seed, scale, first_day or start))
                  for day in days(start, count) for source in ordered]
    if workers <= 1:
        return [write_delivery(cfg, source, day) for source, day in deliveries]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # the longest deliveries first, so that they do not end up last on one worker
    longest_first = sorted(deliveries, key=lambda delivery: delivery[0] not in LONGEST)
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = {delivery: pool.submit(write_delivery, cfg, *delivery) for delivery in longest_first}
        return [futures[delivery].result() for delivery in deliveries]


def manifests(cfg: Settings, source: str) -> list[dict]:
    """The truth manifests of every delivery of ``source`` so far, oldest first."""
    truth = storage.at(cfg.truth_root)
    return [json.loads(truth.read_text(path)) for path in truth.glob(f"{source}/*/manifest.json")]


def generated_keys(cfg: Settings, source: str) -> set[str]:
    """Every good key the generator delivered so far, from its ground truth."""
    return {key for manifest in manifests(cfg, source) for key in manifest["keys"]}


def bad_records(cfg: Settings, source: str) -> list[dict]:
    """Every deliberately bad record delivered so far for ``source``, with its reason."""
    return [bad for manifest in manifests(cfg, source) for bad in manifest["bad_records"]]
