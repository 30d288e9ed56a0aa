"""``ecomgen bench``: each scale measured in a data root of its own (:mod:`ecomgen.bench.measure`), then the
tables: per stage, Spark ÷ DuckDB per headline (fails when the engines disagree), incremental ÷ full rebuild.
Results go to ``<var>/<timestamp>.json`` and ``.md`` (``make bench`` uses ``var/bench``)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from ecomlake.config import settings

GB = 1024**3


def _leg(root: Path, name: str, start: date, days: int, seed: int, scale: float, first_day: date | None = None,
         with_duckdb: bool = False, fresh: bool = True) -> dict:
    """One measured run in ``root/name`` (a fresh data root unless continuing one), its result read back."""
    var = root / name
    if fresh:
        shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True, exist_ok=True)
    out = var / f"result-{start}-{days}.json"
    command = [sys.executable, "-m", "ecomgen.bench.measure", "--start", start.isoformat(), "--days", str(days),
               "--seed", str(seed), "--scale", str(scale), "--out", str(out)]
    command += ["--first-day", first_day.isoformat()] if first_day else []
    command += ["--duckdb"] if with_duckdb else []
    print(f"\n== {name}: {days} day(s) from {start} at scale {scale:g} (data root {var})", flush=True)
    subprocess.run(command, check=True, env={**os.environ, "ECOMLAKE_VAR": str(var)})
    return json.loads(out.read_text())


def machine() -> dict:
    import psutil

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    from importlib.metadata import version

    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / GB),
            "os": platform.platform(), "python": platform.python_version(),
            "versions": {p: version(p) for p in ("pyspark", "delta-spark", "dbt-core", "great-expectations",
                                                 "apache-airflow", "duckdb")}}


def _per_core(rows: int | None, seconds: float, cores: int) -> str:
    return f"{rows / seconds / cores:,.0f}" if rows and seconds else ""


def stage_table(result: dict) -> list[list[str]]:
    cores = result["cores"]
    return [[s["stage"], f"{s['seconds']:,.1f}", f"{s['rows']:,}" if s["rows"] is not None else "",
             _per_core(s["rows"], s["seconds"], cores), f"{s['peak_rss_bytes'] / GB:.2f}"] for s in result["stages"]]


def versus_table(result: dict) -> list[list[str]]:
    return [[v["headline"], f"{v['spark_seconds']:,.1f}", f"{v['duckdb_seconds']:,.2f}",
             f"{v['spark_seconds'] / v['duckdb_seconds']:,.0f}×" if v["duckdb_seconds"] else "",
             f"{v['figures']:,}", "yes" if not v["disagreements"] else "NO"] for v in result["versus_duckdb"]]


def render(headers: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        return "\n".join(["| " + " | ".join(headers) + " |",
                          "|" + "|".join("---" if n == 0 else "---:" for n in range(len(headers))) + "|",
                          *["| " + " | ".join(row) + " |" for row in rows]])
    widths = [max(len(x) for x in column) for column in zip(headers, *rows, strict=True)]
    line = "  ".join(f"{{:<{widths[0]}}}" if n == 0 else f"{{:>{w}}}" for n, w in enumerate(widths))
    return "\n".join(line.format(*row) for row in [headers, *rows])


STAGE_HEADERS = ["stage", "seconds", "rows", "rows/s/core", "peak RSS GB"]
VERSUS_HEADERS = ["landing → headline", "Spark s", "DuckDB s", "Spark ÷ DuckDB", "figures", "agree"]


def report(results: list[dict], markdown: bool) -> str:
    lines = []
    for result in results:
        lines += ["", f"scale {result['scale']}, {result['days']} day(s) from {result['start']}, "
                      f"seed {result['seed']}: landing → every mart {result['chain_seconds']:,.0f} s, generation "
                      f"{result['stages'][0]['seconds']:,.0f} s, peak {result['peak_rss_bytes'] / GB:.2f} GB", ""]
        lines.append(render(STAGE_HEADERS, stage_table(result), markdown))
        if "versus_duckdb" in result:
            lines += ["", "Spark (DAG runs: bronze, quarantine, silver, marts, every gate) and DuckDB (landing → "
                      "the same figures), seconds from landing:", ""]
            lines.append(render(VERSUS_HEADERS, versus_table(result), markdown))
        if incremental := result.get("incremental"):
            lines += ["", f"incremental day (day {result['days'] + 1} on {result['days']}): "
                          f"{incremental['chain_seconds']:,.0f} s; full rebuild of the {result['days'] + 1} days: "
                          f"{incremental['rebuild_seconds']:,.0f} s; incremental ÷ full = "
                          f"{incremental['chain_seconds'] / incremental['rebuild_seconds']:.0%}"]
    return "\n".join(lines)


def bench(args: argparse.Namespace) -> None:
    root = settings().var_dir
    results = []
    for scale in args.scales:
        name, run = f"scale-{scale:g}", (args.seed, scale)
        result = _leg(root, name, args.start, args.days, *run, with_duckdb=not args.no_duckdb)
        if args.incremental:
            next_day = args.start + timedelta(days=args.days)
            more = _leg(root, name, next_day, 1, *run, first_day=args.start, fresh=False)
            rebuild = _leg(root, f"{name}-rebuild", args.start, args.days + 1, *run)
            result["incremental"] = {"chain_seconds": more["chain_seconds"], "stages": more["stages"],
                                     "rebuild_seconds": rebuild["chain_seconds"], "rebuild_stages": rebuild["stages"]}
        results.append(result)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    described = machine()
    (root / f"{stamp}.json").write_text(json.dumps({"machine": described, "results": results}, indent=2))
    heading = (f"{described['cpu']}, {described['cores']} cores, {described['memory_gb']} GB, {described['os']}; "
               + ", ".join(f"{p} {v}" for p, v in described["versions"].items()))
    (root / f"{stamp}.md").write_text(f"Measured {stamp} on {heading}\n" + report(results, markdown=True) + "\n")
    print(report(results, markdown=False))
    print(f"\nresults: {root / stamp}.json and .md")
    wrong = [(r["scale"], v) for r in results for v in r.get("versus_duckdb", []) if v["disagreements"]]
    for scale, v in wrong:
        print(f"\nSPARK AND DUCKDB DISAGREE at scale {scale:g} on {v['headline']}:\n  "
              + "\n  ".join(v["disagreements"]))
    if wrong:
        raise SystemExit(1)
