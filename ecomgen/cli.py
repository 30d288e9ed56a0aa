"""``ecomgen``: the synthetic shop. Writes deliveries of the ten sources (and their ground truth) into landing.

    ecomgen demo       the README's main job: generate demo days, run every DAG on them, score against the truth
    ecomgen generate   write synthetic deliveries to the landing zone
    ecomgen deliver    deliver days into landing; --wait times the event-driven orders chain (median, p95)
    ecomgen bench      time the chain stage by stage at a scale; check its headline figures against DuckDB

This package is for development and demos: the platform never imports it.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta

from ecomgen import SOURCES, bad_records, generate, write_delivery
from ecomgen.lake import read_table
from ecomgen.model import Day
from ecomlake.config import ConfigError, Settings, settings
from ecomlake.services.process import ServiceError, port_open

DEMO_START = date(2026, 11, 20)


def cmd_generate(args: argparse.Namespace) -> None:
    for report in generate(settings(), args.sources, args.start, args.days, args.seed, args.scale, args.first_day,
                           args.workers):
        print(f"{report.source:<12} {report.day}  {report.lines:>9} records  {len(report.files):>3} files  "
              f"{report.bad_records:>5} deliberately bad")


def quarantine_check(cfg: Settings, source: str) -> tuple[int, str]:
    """How many records the quarantine holds, and whether they are exactly (record, reason) the ones the
    generator broke on purpose; the table is read with delta-rs."""
    truth = {(b["record_hash"], b["reason"]) for b in bad_records(cfg, source)}
    table = read_table(cfg, "quarantine", source, ["_record_hash", "reason"])
    held = set(zip(table["_record_hash"], table["reason"], strict=True))
    if not truth and not held:
        return 0, "= truth (none)"
    return len(held), "= truth" if held == truth else f"≠ truth ({len(truth)} expected)"


def render_truth(cfg: Settings, reports: dict[str, dict]) -> str:
    lines = ["", "scored against the generator's ground truth:",
             f"  {'source':<12} {'quarantined':>11}  quarantine vs truth"]
    for dag_id in reports:
        if dag_id.startswith("ingest_"):
            source = dag_id.removeprefix("ingest_")
            held, verdict = quarantine_check(cfg, source)
            lines.append(f"  {source:<12} {held:>11}  {verdict}")
    if "identity_graph" in reports:
        from ecomgen.identity_scores import identity_scores

        lines += ["", "  identity (OneID) vs truth: " + identity_scores(cfg).render()]
    if "marketing_marts" in reports:
        from ecomgen.attribution_scores import attribution_scores
        from ecomgen.holdout_scores import holdout_checks
        from ecomgen.holdout_scores import render as render_holdouts

        lines += ["", "  attribution vs truth (campaigns ranked by credited orders against the orders each alone "
                  "caused):", attribution_scores(cfg).render(), "", "  coupon holdouts vs truth:",
                  render_holdouts(holdout_checks(cfg))]
    if "operations_marts" in reports:
        from ecomgen.brushing_scores import brushing_scores
        from ecomgen.price_audit_scores import price_audit_scores

        lines += ["", "  order brushing vs truth (the rings' and crowds' orders):", brushing_scores(cfg).render(),
                  "", "  price audit vs truth (hours one segment paid more):", price_audit_scores(cfg).render()]
    return "\n".join(lines)


def cmd_demo(args: argparse.Namespace) -> None:
    from orchestration.cli import _dags_for, _reports, _run_main_dags, render_summary, render_throughput

    cfg = settings()
    started = time.monotonic()
    cmd_generate(args)
    generated = time.monotonic() - started
    dag_ids, runs_started = _dags_for(args.sources), datetime.now(UTC)
    _run_main_dags(cfg, args.start + timedelta(days=args.days - 1), dag_ids)
    reports = _reports(cfg, dag_ids)
    print(render_summary(cfg, reports, runs_started))
    print(render_truth(cfg, reports))
    print(f"\ngenerated in {generated:.0f}s; DAG runs took {time.monotonic() - started - generated:.0f}s")
    if args.scale >= 0.1:  # worth a throughput figure
        print(render_throughput(cfg, reports))


def cmd_deliver(args: argparse.Namespace) -> None:
    """Deliver ``--days`` consecutive days into landing; with --wait, time the event-driven orders chain of each
    (the next day lands when the last one's mart is updated) and print the latencies' median and p95."""
    from orchestration.cli import wait_for_chain

    cfg = settings()
    if args.wait and not port_open(cfg.airflow.host, cfg.airflow.port):
        raise SystemExit("error: Airflow is not up (make up) — nothing would react to the delivery")
    if args.wait and "orders" not in args.sources:
        raise SystemExit("error: --wait times the orders chain: deliver orders too")
    latencies = []
    for offset in range(args.days):
        when = args.day + timedelta(days=offset)
        day = Day(when, args.seed, args.scale, args.first_day or args.day)
        for source in args.sources:
            report = write_delivery(cfg, source, day)
            print(f"delivered {source} {when}: {report.lines} records in {len(report.files)} files")
        landed = datetime.now(UTC)
        print(f"last file landed at {landed:%H:%M:%S}")
        if args.wait:
            outcome = wait_for_chain(cfg, landed, args.timeout)
            print(outcome, flush=True)
            if not outcome.succeeded:
                raise SystemExit(1)
            latencies.append(outcome.seconds)
    if len(latencies) > 1:
        print(latency_summary(latencies))


def latency_summary(seconds: list[float]) -> str:
    """``5 deliveries, landing → mart: median 71 s, p95 88 s (max 90 s)``; p95 by linear interpolation
    between the closest ranks (with five deliveries it lies between the two slowest)."""
    ranked = sorted(seconds)

    def percentile(p: float) -> float:
        at = p * (len(ranked) - 1)
        low = int(at)
        high = min(low + 1, len(ranked) - 1)
        return ranked[low] + (ranked[high] - ranked[low]) * (at - low)

    return (f"{len(ranked)} deliveries, landing → mart: median {percentile(0.5):.0f} s, "
            f"p95 {percentile(0.95):.0f} s (max {ranked[-1]:.0f} s)")


def cmd_bench(args: argparse.Namespace) -> None:
    from ecomgen.bench.run import bench

    bench(args)


def _with_generation(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("--start", type=date.fromisoformat, default=DEMO_START,
                   help=f"first delivery date (default {DEMO_START})")
    p.add_argument("--days", type=int, default=2, help="delivery days to generate (default 2)")
    p.add_argument("--first-day", type=date.fromisoformat,
                   help="first day of the shop's history, to continue an earlier run: e.g. --start 2026-11-22 "
                        "--first-day 2026-11-20 delivers days 3 and 4 of the same shop (default: --start)")
    p.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    p.add_argument("--scale", type=float, default=0.01,
                   help="1.0 = one day of a mid-size shop, 100k orders (default 0.01)")
    p.add_argument("--sources", nargs="+", default=list(SOURCES), choices=SOURCES, metavar="SOURCE",
                   help=f"sources (default all ten: {' '.join(SOURCES)})")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="processes writing deliveries side by side; the files are the same (default: the cores, "
                        f"{os.cpu_count()})")
    return p


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="ecomgen", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    root.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _with_generation(commands.add_parser("demo", help="generate demo data, run every DAG on it, score it")
                     ).set_defaults(func=cmd_demo)
    _with_generation(commands.add_parser("generate", help="write synthetic deliveries to landing")
                     ).set_defaults(func=cmd_generate)
    deliver = commands.add_parser("deliver", help="deliver days into landing (the arrival event)")
    deliver.add_argument("--day", type=date.fromisoformat, required=True, help="(first) delivery date")
    deliver.add_argument("--days", type=int, default=1,
                         help="consecutive days to deliver; with --wait a day lands once the previous day's "
                              "mart is updated, and the latencies' median and p95 are printed (default 1)")
    deliver.add_argument("--first-day", type=date.fromisoformat,
                         help="first day of the history these days belong to (default: --day)")
    deliver.add_argument("--sources", nargs="+", default=["orders"], choices=SOURCES, metavar="SOURCE",
                         help="sources to deliver (default orders)")
    deliver.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    deliver.add_argument("--scale", type=float, default=0.01, help="scale (default 0.01)")
    deliver.add_argument("--wait", action="store_true",
                         help="wait for the ingestion and mart runs each delivery triggers and print the latency")
    deliver.add_argument("--timeout", type=float, default=900,
                         help="seconds to wait for each delivery's chain (default 900)")
    deliver.set_defaults(func=cmd_deliver)
    bench = commands.add_parser(
        "bench", help="time landing → every mart per stage (rows/s per core, peak memory of the process tree), "
        "build the headline figures with DuckDB from the same landing files, fail if the engines disagree",
        description="Each scale runs in a data root of its own under the current one (make bench: var/bench); "
        "results go to <var>/<timestamp>.json and .md.")
    bench.add_argument("--scales", type=float, nargs="+", default=[1.0], metavar="SCALE",
                       help="scales to measure, e.g. 0.1 0.3 1 for a scale curve (default 1)")
    bench.add_argument("--days", type=int, default=1, help="days in the measured run (default 1)")
    bench.add_argument("--start", type=date.fromisoformat, default=DEMO_START, help=f"first day (default {DEMO_START})")
    bench.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    bench.add_argument("--no-incremental", dest="incremental", action="store_false",
                       help="skip the incremental leg (by default: one more day on top, then a full rebuild of all "
                            "the days in a fresh lake, and incremental ÷ full; about three times the run)")
    bench.add_argument("--no-duckdb", action="store_true", help="skip the DuckDB comparison")
    bench.set_defaults(func=cmd_bench)
    return root


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    try:
        args.func(args)
    except (ConfigError, ServiceError) as error:
        sys.exit(f"error: {error}")


if __name__ == "__main__":
    main()
