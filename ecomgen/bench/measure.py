"""One measured run in one data root (``ECOMLAKE_VAR``): generate days, run the main job's DAGs on them, time
every stage with the peak memory of the process tree, then (optionally) build the headline figures with
DuckDB from the same landing files and check that both engines agree.

    python -m ecomgen.bench.measure --scale 1 --days 1 --out result.json [--duckdb]

``ecomgen bench`` runs it once per scale (and per incremental or rebuild leg) and prints the tables.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from ecomgen import SOURCES, generate
from ecomgen.bench import duck, lake_figures
from ecomgen.bench.memory import TreeMemory
from ecomlake.config import Settings, settings
from ecomlake.contracts import load_contract

log = logging.getLogger("ecomgen.bench")


@dataclass(frozen=True)
class Headline:
    """A figure both engines build: DuckDB from the latest states it made of ``sources`` (``duckdb(con, cfg)``),
    Spark by those sources' ingest DAGs and ``dags`` (read back by ``lake(cfg)``)."""

    name: str
    sources: tuple[str, ...]
    dags: tuple[str, ...]
    duckdb: Callable[[duckdb.DuckDBPyConnection, Settings], duck.Figures]
    lake: Callable[[Settings], duck.Figures]


def _own_channels() -> list[str]:
    """The shop's own channels, as the dbt project defines them (var ``own_channels``)."""
    import yaml

    from orchestration.dbt import PROJECT_DIR

    return yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]["own_channels"]


HEADLINES = (
    Headline("orders_daily", ("orders",), ("orders_marts",), lambda con, _: duck.orders_daily(con),
             lake_figures.orders_daily),
    Headline("campaign spend per day", ("ad_spend",), ("marketing_marts",), lambda con, _: duck.campaign_spend(con),
             lake_figures.campaign_spend),
    Headline("GMV tree (visitors, paid orders, GMV)", ("orders", "clickstream"), ("marketing_marts",),
             lambda con, _: duck.gmv_tree(con, _own_channels()), lake_figures.gmv_tree),
    # DuckDB takes the published identifier → customer map as given: the identity graph is not rebuilt there.
    Headline("customers' paid orders and GMV", ("orders",), ("identity_graph", "customer_marts"),
             lambda con, cfg: duck.customer_value(con, lake_figures.customer_map(cfg), lake_figures.as_of(cfg)),
             lake_figures.customer_value),
)


def _stage(name: str, started: float, ended: float, rows: int | None, memory: TreeMemory) -> dict:
    return {"stage": name, "seconds": round(ended - started, 2), "rows": rows,
            "peak_rss_bytes": memory.peak(started, ended)}


def _rows_of(dag_id: str, report: dict | None) -> int | None:
    """What a DAG run processed: rows delivered for an ingest, identifiers for the graph, rows built for marts."""
    if report is None:
        return None
    if dag_id.startswith("ingest_"):
        return report["steps"]["ingest"]["rows_in"]
    if dag_id == "identity_graph":
        return report["steps"]["identity"]["identifiers"]
    return sum(table["rows"] for table in report["tables"].values()) or None


def _runs(timings: Path) -> list[dict]:
    return [json.loads(line) for line in timings.read_text().splitlines()] if timings.exists() else []


def _report_progress(timings: Path, total: int, done: threading.Event) -> None:
    """Log each DAG run as it ends (the runs' own output goes to their log file)."""
    seen = 0
    while True:
        finished = done.wait(5)
        runs = _runs(timings)
        for n, run in enumerate(runs[seen:], start=seen + 1):
            log.info("%d/%d %s: %s in %.0f s", n, total, run["dag_id"], run["state"], run["ended"] - run["started"])
        seen = len(runs)
        if finished:
            return


def spark_chain(cfg: Settings, last_day: date, memory: TreeMemory) -> list[dict]:
    """The main job's DAG runs (real Airflow runs, one warm engine), one stage per DAG."""
    from orchestration.cli import _dags_for, _reports, _run_main_dags

    timings = cfg.var_dir / "run" / "bench-timings.jsonl"
    timings.parent.mkdir(parents=True, exist_ok=True)
    timings.unlink(missing_ok=True)
    dag_ids = _dags_for(list(SOURCES))
    done = threading.Event()
    progress = threading.Thread(target=_report_progress, args=(timings, len(dag_ids), done), daemon=True)
    progress.start()
    try:
        _run_main_dags(cfg, last_day, dag_ids, timings=timings)
    finally:
        done.set()
        progress.join()
    reports = _reports(cfg, dag_ids)
    runs = _runs(timings)
    return [_stage(r["dag_id"], r["started"], r["ended"], _rows_of(r["dag_id"], reports.get(r["dag_id"])), memory)
            for r in runs]


def _ingest_headline(source: str, landing: Path, days: list[str]) -> Headline:
    """A source's records, rejections by reason and live latest state (DuckDB's latest state stays in ``con``
    for the other headlines)."""
    contract = load_contract(source)

    def build(con: duckdb.DuckDBPyConnection, _: Settings) -> duck.Figures:
        duck.land(con, contract, duck.delivered_files(landing, contract, days))
        duck.build_latest(con, contract)
        return duck.source_figures(con, contract)

    return Headline(f"ingest {source}", (source,), (), build, lambda cfg: lake_figures.source_figures(cfg, contract))


def disagreements(ours: duck.Figures, theirs: duck.Figures, limit: int = 5) -> list[str]:
    """Keys whose values differ (or that one engine lacks), at most ``limit`` of them, as text."""
    keys = sorted(set(ours) | set(theirs), key=str)
    differ = [k for k in keys if ours.get(k) != theirs.get(k)]
    return [f"{k}: Spark {theirs.get(k)} ≠ DuckDB {ours.get(k)}" for k in differ[:limit]] + (
        [f"… and {len(differ) - limit} more"] if len(differ) > limit else [])


def compare(cfg: Settings, stages: list[dict], days: list[str]) -> list[dict]:
    """Each headline (the sources' first): DuckDB's and Spark's seconds from landing, and whether their figures
    agree."""
    con = duckdb.connect(config={"threads": os.cpu_count() or 1})
    landing = Path(str(cfg.landing_root))
    spark_seconds = {s["stage"]: s["seconds"] for s in stages}
    duck_seconds: dict[str, float] = {}
    rows = []
    for headline in (*[_ingest_headline(s, landing, days) for s in SOURCES], *HEADLINES):
        started = time.monotonic()
        ours = headline.duckdb(con, cfg)
        duck_seconds[headline.name] = time.monotonic() - started
        upstream = [] if headline.name.startswith("ingest ") else [f"ingest {s}" for s in headline.sources]
        covers = [f"ingest_{s}" for s in headline.sources] + list(headline.dags)
        rows.append({"headline": headline.name, "spark_seconds": round(sum(spark_seconds.get(d, 0) for d in covers), 2),
                     "duckdb_seconds": round(duck_seconds[headline.name] + sum(duck_seconds[u] for u in upstream), 3),
                     "spark_covers": covers, "figures": len(ours),
                     "disagreements": disagreements(ours, headline.lake(cfg))})
    return rows


def measure(start: date, days: int, first_day: date | None, seed: int, scale: float, with_duckdb: bool) -> dict:
    cfg = settings()
    with TreeMemory(cfg.run_dir) as memory:
        started = time.time()
        generated = generate(cfg, list(SOURCES), start, days, seed, scale, first_day, os.cpu_count() or 1)
        stages = [_stage("generate", started, time.time(), sum(r.lines for r in generated), memory)]
        log.info("generated %d records in %.0f s", stages[0]["rows"], stages[0]["seconds"])
        stages += spark_chain(cfg, start + timedelta(days=days - 1), memory)
    result = {"scale": scale, "seed": seed, "start": start.isoformat(), "days": days,
              "first_day": (first_day or start).isoformat(), "cores": os.cpu_count(), "stages": stages,
              "chain_seconds": round(sum(s["seconds"] for s in stages[1:]), 2),
              "peak_rss_bytes": max(s["peak_rss_bytes"] for s in stages)}
    if with_duckdb:
        landing = Path(str(cfg.landing_root))
        all_days = sorted({d.name for s in SOURCES if (landing / s).is_dir() for d in (landing / s).iterdir()
                           if d.is_dir()})
        result["versus_duckdb"] = compare(cfg, stages, all_days)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ecomgen.bench.measure", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--start", type=date.fromisoformat, required=True)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--first-day", type=date.fromisoformat)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--duckdb", action="store_true", help="also build the headline figures with DuckDB")
    parser.add_argument("--out", type=Path, required=True, help="where the result goes (JSON)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        datefmt="%H:%M:%S")
    result = measure(args.start, args.days, args.first_day, args.seed, args.scale, args.duckdb)
    args.out.write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
