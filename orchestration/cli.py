"""``ecomlake``: run the platform's main job, and start or stop its local services.

    ecomlake run        run every DAG on what has landed, as real Airflow runs, and print a summary
    ecomlake up         start metastore, engine (warm Spark for Airflow's tasks), SQL endpoint (Thrift), Airflow
    ecomlake down       stop them
    ecomlake status     show what is running
    ecomlake backfill   re-ingest a range of delivery dates from landing
    ecomlake dbt ARGS   run dbt on the platform's Spark session and shared catalog
    ecomlake erasure-report USER_ID   where an erased account still is (nowhere, once erased)
    ecomlake vacuum     remove files only older table versions use (the erasure's retention)
    ecomlake docs       write docs/sources.md from the source contracts

Demo data (the synthetic shop) comes from the separate ``ecomgen`` command.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from ecomlake.config import ConfigError, Settings, settings
from ecomlake.contracts import SOURCE_ORDER, load_contract
from ecomlake.services.local import (
    VENV_BIN,
    airflow_env,
    airflow_service,
    engine_service,
    metastore_service,
    sql_endpoint_service,
)
from ecomlake.services.process import ServiceError, port_open
from ecomlake.services.sql_access import local_password_file
from orchestration.dbt import DbtError

log = logging.getLogger("ecomlake")

SOURCE_DOCS = Path(__file__).resolve().parents[1] / "docs" / "sources.md"
INGEST_DAGS = tuple(f"ingest_{source}" for source in SOURCE_ORDER)
# The main job: the DAGs that event-driven mode chains by assets, run here in order.
MAIN_DAGS = (*INGEST_DAGS, "erasure", "identity_graph", "customer_marts", "marketing_marts", "operations_marts",
             "board_marts", "orders_marts")


def _services(cfg: Settings) -> list:
    """Local services in start order; the metastore only when this profile manages it."""
    managed = [metastore_service(cfg)] if cfg.metastore.managed else []
    return [*managed, engine_service(cfg), sql_endpoint_service(cfg), airflow_service(cfg)]


def _airflow(cfg: Settings, *args: str, log_name: str) -> None:
    """Run an ``airflow`` CLI command with the project's Airflow environment, output to a log."""
    _run_logged(cfg, [str(VENV_BIN / "airflow"), *args], log_name)


def _run_logged(cfg: Settings, command: list[str], log_name: str) -> None:
    """Run ``command`` with the project's Airflow environment; its output goes to ``<var>/run/<log_name>.log``."""
    log_file = cfg.run_dir / f"{log_name}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log.info("%s (log: %s)", " ".join(command[-3:]), log_file)
    env = {**os.environ, **airflow_env(cfg)}
    with log_file.open("w") as out:
        code = subprocess.call(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    if code != 0:
        tail = log_file.read_text(errors="replace").splitlines()[-40:]
        raise SystemExit(f"{' '.join(command)} failed (exit {code}); last lines of {log_file}:\n" + "\n".join(tail))


@contextmanager
def metastore_for_this_command(cfg: Settings) -> Iterator[None]:
    """The metastore this profile manages, up for the command; stopped after unless it was already up."""
    with ExitStack() as stack:
        if cfg.metastore.managed:
            metastore = metastore_service(cfg)
            if metastore.start():
                stack.callback(metastore.stop)
        yield


@contextmanager
def engine_for_this_command(cfg: Settings) -> Iterator[None]:
    """The metastore and the engine the DAG runs' tasks send their work to, up for the command; each stopped
    after unless it was already up."""
    with metastore_for_this_command(cfg), ExitStack() as stack:
        engine = engine_service(cfg)
        if engine.start():
            stack.callback(engine.stop)
        yield


def cmd_dbt(args: argparse.Namespace) -> None:
    from orchestration.dbt import run_dbt

    with metastore_for_this_command(settings()):
        run_dbt(*args.dbt_args)


def _run_main_dags(cfg: Settings, logical_date: date, dag_ids: tuple[str, ...] = MAIN_DAGS,
                   ingest_conf: dict | None = None, timings: Path | None = None) -> None:
    """Run the DAGs as real Airflow DAG runs, in order, their tasks' work on the engine (one warm Spark session);
    ``timings``: where each run's start and end go (see :mod:`orchestration.dag_runs`)."""
    with engine_for_this_command(cfg):
        _airflow(cfg, "db", "migrate", log_name="airflow-db-migrate")
        conf = ["--conf", json.dumps(ingest_conf)] if ingest_conf else []
        timed = ["--timings", str(timings)] if timings else []
        _run_logged(cfg, [sys.executable, "-m", "orchestration.dag_runs", "--logical-date", logical_date.isoformat(),
                          *conf, *timed, *dag_ids], log_name="main-dag-runs")


@dataclass(frozen=True)
class ChainOutcome:
    """How the orders chain a delivery started ended: ``seconds`` from the last landed file to the mart run's
    end (to the ingest run's end when it failed); ``text`` says which run ended how."""

    succeeded: bool
    seconds: float
    text: str

    def __str__(self) -> str:
        return self.text


def wait_for_chain(cfg: Settings, landed: datetime, timeout_s: float) -> ChainOutcome:
    """Poll the REST API until the orders ingestion run this delivery started, and the mart run after it, end."""
    from orchestration.airflow_api import TERMINAL, dag_runs_since, parse_time

    deadline = time.monotonic() + timeout_s
    ingest_dag, marts_dag = "ingest_orders", "orders_marts"
    while time.monotonic() < deadline:
        time.sleep(2)
        ingest = [r for r in dag_runs_since(cfg, ingest_dag, landed) if r["state"] in TERMINAL]
        if not ingest:
            continue
        first = ingest[0]
        ingest_s = (parse_time(first["end_date"]) - landed).total_seconds()
        if first["state"] == "failed":
            return ChainOutcome(False, ingest_s, f"{ingest_dag} {first['dag_run_id']} failed after {ingest_s:.0f}s;"
                                                 f" {marts_dag} not started")
        marts = [r for r in dag_runs_since(cfg, marts_dag, parse_time(first["start_date"]))
                 if r["state"] in TERMINAL]
        if marts:
            mart_s = (parse_time(marts[0]["end_date"]) - landed).total_seconds()
            return ChainOutcome(
                first["state"] == "success" and marts[0]["state"] == "success", mart_s,
                f"{ingest_dag} {first['state']} after {ingest_s:.0f}s, {marts_dag} {marts[0]['state']} after "
                f"{mart_s:.0f}s: last file landed → mart updated in {mart_s:.0f}s")
    raise SystemExit(f"error: the chain did not finish within {timeout_s:.0f}s; see the Airflow UI")


def _dags_for(sources: list[str]) -> tuple[str, ...]:
    """The ingest DAGs of ``sources`` in delivery order, the erasure when users is one of them, the identity
    graph, the customer and marketing marts when one of them carries identifiers, then the operations marts,
    the board on the published marts and the orders marts (each skips when nothing it reads changed)."""
    from spark_jobs.identity.rules import load_rules

    carriers = {link.source for link in load_rules().links}
    carried = any(load_contract(s).silver_table in carriers for s in sources)
    identity = ("identity_graph", "customer_marts", "marketing_marts") if carried else ()
    erasure = ("erasure",) if "users" in sources else ()
    return (*[f"ingest_{s}" for s in SOURCE_ORDER if s in sources], *erasure, *identity, "operations_marts",
            "board_marts", "orders_marts")


def cmd_backfill(args: argparse.Namespace) -> None:
    cfg, since = settings(), datetime.now(UTC)
    dag_ids = _dags_for(args.sources)
    _run_main_dags(cfg, args.end, dag_ids, {"replay_from": args.start.isoformat(), "replay_to": args.end.isoformat()})
    print(render_summary(cfg, _reports(cfg, dag_ids), since))


def _reports(cfg: Settings, dag_ids: tuple[str, ...]) -> dict[str, dict]:
    """The latest report of each DAG that wrote one (a run skipped for want of inputs writes none)."""
    paths = {dag_id: cfg.var_dir / "reports" / f"{dag_id}.json" for dag_id in dag_ids}
    return {dag_id: json.loads(path.read_text()) for dag_id, path in paths.items() if path.exists()}


def cmd_run(args: argparse.Namespace) -> None:
    cfg, since, started = settings(), datetime.now(UTC), time.monotonic()
    dag_ids = _dags_for(args.sources)
    _run_main_dags(cfg, args.logical_date, dag_ids)
    print(render_summary(cfg, _reports(cfg, dag_ids), since))
    print(f"\nDAG runs took {time.monotonic() - started:.0f}s")


def cmd_erasure_report(args: argparse.Namespace) -> None:
    from orchestration.erasure import erasure_report

    with metastore_for_this_command(settings()):
        report = erasure_report(args.user_id)
    print(f"erasure request {report['request'][:16]}… (the keyed digest of the account id)")
    for step in report["steps"] or [{"at": "-", "step": "no erasure of this account on record", "table": None,
                                     "rows_deleted": 0, "values_redacted": 0}]:
        print(f"  {step['at']!s:<26} {step['step']:<9} {step['table'] or '':<40} "
              f"{step['rows_deleted']:>6} rows deleted {step['values_redacted']:>5} values redacted")
    left = {table: rows for table, rows in report["found"].items() if rows}
    print(f"searched {len(report['found'])} tables: " + (
        "the account and its identifiers are in none" if not left else f"still in {len(left)}:"))
    for table, rows in left.items():
        print(f"  {table:<40} {rows:>8} rows")
    if left:
        sys.exit(1)


def cmd_dbt_docs(args: argparse.Namespace) -> None:
    from orchestration.marts import generate_docs

    with metastore_for_this_command(settings()):
        site = Path(generate_docs()["site"])
    print(f"dbt docs (with each customer attribute's coverage) in {site}")
    if args.serve:
        import functools
        import http.server

        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=site)
        print(f"serving on http://127.0.0.1:{args.port}/ (Ctrl-C stops)")
        with http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler) as server:
            server.serve_forever()


def cmd_vacuum(args: argparse.Namespace) -> None:
    from orchestration.erasure import vacuum_lake

    with metastore_for_this_command(settings()):
        tables = vacuum_lake(args.retention_hours)
    print(f"vacuumed {len(tables)} tables")


def _gate_text(*gates: dict | None) -> str:
    ran = [g for g in gates if g]
    if not ran:
        return "not run"
    warnings = sum(len(g["warnings"]) for g in ran)
    passed = f"{sum(g['passed'] for g in ran)}/{sum(g['evaluated'] for g in ran)}"
    return passed + (f" ({warnings} warnings)" if warnings else "")


def _identity_lines(steps: dict) -> list[str]:
    found = steps["identity"]
    largest = found["largest_customer"] or {}
    hubs = ", ".join(f"{kind} {n}" for kind, n in found["hubs_by_type"].items()) or "none"
    return [
        f"  {found['customers']} customers ({found['customers_with_accounts']} with an account) from "
        f"{found['identifiers']} identifiers; largest: {largest.get('identifiers')} identifiers, "
        f"{largest.get('accounts')} accounts",
        f"  hubs found (linked to more than {found['accounts_per_person']:g} accounts, the most one person holds): "
        f"{found['hubs']} ({hubs}); shared by two customers (a family's email or tablet): {found['shared']}",
        *[f"    {h['type']:<10} {h['identifier']}…  {h['accounts']} accounts" for h in found["top_hubs"][:5]],
        f"  expectations {_gate_text(steps['identity_check']['expectations'])}",
    ]


def _mart_group_lines(report: dict) -> list[str]:
    """A group of marts built by one dbt run (:mod:`orchestration.mart_tasks`): rows, dbt nodes, gates; the
    profiles' attribute coverage when the report has it."""
    steps = report["steps"]
    nodes = steps["marts"]["nodes"]
    checks = [c["expectations"] for c in steps["marts_check"].values()]
    lines = [
        *[f"  {table:<34} {info['rows']:>8} rows" for table, info in report["tables"].items()],
        f"  dbt build: {sum(s in ('success', 'pass') for s in nodes.values())}/{len(nodes)} nodes ok "
        f"(models and data tests); expectations {_gate_text(*checks)}",
    ]
    if coverage := steps.get("attribute_coverage"):
        lowest = sorted(coverage.items(), key=lambda item: item[1])[:3]
        lines.append(f"  {len(coverage)} documented attributes, {sum(c >= 0.9 for c in coverage.values())} with a "
                     f"value for ≥ 90% of customers; lowest: " + ", ".join(f"{n} {share:.0%}" for n, share in lowest))
    return lines


def _fresh(report: dict, since: datetime | None) -> bool:
    """Written by this run (started ``since``), not left by an earlier one."""
    return since is None or datetime.fromisoformat(report["generated_at"]) >= since


def _heading(title: str, report: dict, since: datetime | None) -> list[str]:
    """A section's title; a build skipped this run (nothing new) shows the figures of its last build, said so."""
    if _fresh(report, since):
        return ["", f"{title}:"]
    built = datetime.fromisoformat(report["generated_at"])
    return ["", f"{title} (unchanged: nothing new since its last build at {built:%Y-%m-%d %H:%M:%S} UTC):"]


def render_summary(cfg: Settings, reports: dict[str, dict], since: datetime | None = None) -> str:
    """Per source: files, rows in / to bronze / quarantined (by reason, checked against truth), silver rows,
    expectations; then the identity graph and the marts, each marked when this run (started ``since``) found
    nothing new to build."""
    lines = ["", f"ingestion (profile {cfg.profile})",
             f"  {'source':<12} {'files':>5} {'rows in':>9} {'bronze':>9} {'quarant.':>8} {'silver':>9}  "
             "expectations"]
    reasons = []
    for dag_id, report in reports.items():
        if not dag_id.startswith("ingest_"):
            continue
        ingest, silver = report["steps"]["ingest"], report["steps"]["silver"]
        source = ingest["source"]
        quarantined = sum(ingest["quarantined"].values())
        gates = _gate_text(ingest["expectations"], silver["expectations"])
        lines.append(
            f"  {source:<12} {ingest['files']:>5} {ingest['rows_in']:>9} {ingest['rows_to_bronze']:>9} "
            f"{quarantined:>8} {silver['rows']:>9}  {gates}")
        if ingest["quarantined"]:
            reasons.append(f"  {source:<12} " + ", ".join(f"{k}={v}" for k, v in ingest["quarantined"].items()))
    lines += ["", "quarantined this run, by reason:", *(reasons or ["  none"])]
    if (erased := reports.get("erasure")) and _fresh(erased, since):
        step = erased["steps"]["erasure"]
        if requests := list(step["requests"].values()):
            one_pass = requests[0][1:]  # every request's log holds the steps of the one pass over the tables
            lines += ["", f"erasure: {len(requests)} closed accounts erased past their cooling-off period "
                      f"({sum(s['rows_deleted'] for s in one_pass)} rows deleted, "
                      f"{sum(s['values_redacted'] for s in one_pass)} values redacted)"]
        else:
            lines += ["", f"erasure: nothing due ({step['nothing_due']})"]
    if graph := reports.get("identity_graph"):
        lines += [*_heading("identity graph (OneID)", graph, since), *_identity_lines(graph["steps"])]
    for dag_id, title in (("customer_marts", "customer profiles"), ("marketing_marts", "marketing marts"),
                          ("operations_marts", "operations marts"), ("board_marts", "board (BI entry point)")):
        if group := reports.get(dag_id):
            lines += [*_heading(title, group, since), *_mart_group_lines(group)]
    if marts := reports.get("orders_marts"):
        steps = marts["steps"]
        nodes = {**steps["staging"]["nodes"], **steps["mart"]["nodes"]}
        lines += _heading("marts", marts, since)
        lines += [f"  {table:<30} {info['rows']:>8} rows  {info['location']}"
                  for table, info in marts["tables"].items()]
        lines += [f"  dbt build: {sum(s in ('success', 'pass') for s in nodes.values())}/{len(nodes)} nodes ok; "
                  f"expectations {_gate_text(steps['mart_check']['expectations'])}"]
    lines += [
        f"  data docs: {cfg.var_dir / 'quality' / 'data_docs' / 'index.html'}",
        "",
        "query it: make up, then",
        f"  .venv/bin/beeline -u jdbc:hive2://{cfg.sql_endpoint.host}:{cfg.sql_endpoint.port} "
        f"-n {cfg.sql_endpoint.analyst_user} -w {local_password_file(cfg, cfg.sql_endpoint.analyst_user)} "
        "-e 'select * from marts.orders_daily limit 10'",
    ]
    return "\n".join(lines)


def render_throughput(cfg: Settings, reports: dict[str, dict]) -> str:
    """Rows per second per source, from the task durations Airflow recorded."""
    lines = ["", f"  {'source':<12} {'rows in':>10} {'seconds':>8} {'rows/s':>9}"]
    for dag_id, report in reports.items():
        if dag_id.startswith("ingest_"):
            seconds = report["steps"]["ingest"]["seconds"] + report["steps"]["silver"]["seconds"]
            rows = report["steps"]["ingest"]["rows_in"]
            lines.append(f"  {dag_id.removeprefix('ingest_'):<12} {rows:>10} {seconds:>8.1f} {rows / seconds:>9.0f}")
    if (graph := reports.get("identity_graph")) and "seconds" in (found := graph["steps"]["identity"]):
        lines += ["", f"identity resolution (edges from silver, then the graph): {found['identifiers']} identifiers "
                      f"→ {found['customers']} customers in {found['seconds']:.0f} s"]
    return "\n".join(["throughput (landing → bronze → silver, both gates included):", *lines])


def cmd_docs(args: argparse.Namespace) -> None:
    from ecomlake.contracts.docs import render

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(), encoding="utf-8")
    print(f"wrote {args.output}")


def cmd_up(_: argparse.Namespace) -> None:
    cfg = settings()
    for service in _services(cfg):
        service.start()
    if cfg.metastore.managed:
        print(f"metastore  {cfg.metastore.host}:{cfg.metastore.port}")
    print(f"engine     {cfg.engine.host}:{cfg.engine.port} (the warm Spark driver of the Airflow tasks)")
    print(f"SQL        jdbc:hive2://{cfg.sql_endpoint.host}:{cfg.sql_endpoint.port}")
    print(f"Airflow UI http://{cfg.airflow.host}:{cfg.airflow.port}")


def cmd_down(_: argparse.Namespace) -> None:
    for service in reversed(_services(settings())):
        print(f"{service.name:<13} {'stopped' if service.stop() else 'was not running'}")


def cmd_status(_: argparse.Namespace) -> None:
    for service in _services(settings()):
        state = "up" if port_open(service.host, service.port) else "down"
        print(f"{service.name:<13} {service.host}:{service.port}  {state}  (log: {service.log_file})")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="ecomlake", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    root.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run every DAG on what has landed, as real DAG runs, and summarise")
    run.add_argument("--logical-date", type=date.fromisoformat, default=datetime.now(UTC).date(),
                     help="logical date of the DAG runs (default today, UTC); runs load every pending delivery")
    run.add_argument("--sources", nargs="+", default=list(SOURCE_ORDER), choices=SOURCE_ORDER, metavar="SOURCE",
                     help=f"sources (default all ten: {' '.join(SOURCE_ORDER)})")
    run.set_defaults(func=cmd_run)
    backfill = commands.add_parser("backfill", help="re-ingest a range of delivery dates from landing, idempotently")
    backfill.add_argument("--start", type=date.fromisoformat, required=True, help="first delivery date")
    backfill.add_argument("--end", type=date.fromisoformat, required=True, help="last delivery date")
    backfill.add_argument("--sources", nargs="+", default=list(SOURCE_ORDER), choices=SOURCE_ORDER, metavar="SOURCE",
                          help="sources to re-ingest (default all)")
    backfill.set_defaults(func=cmd_backfill)
    dbt = commands.add_parser("dbt", help="run dbt on the platform's Spark session (e.g. dbt build -s +orders_daily)")
    dbt.add_argument("dbt_args", nargs=argparse.REMAINDER, help="arguments passed to dbt")
    dbt.set_defaults(func=cmd_dbt)
    dbt_docs = commands.add_parser("dbt-docs", help="dbt docs generate into <var>/dbt/docs, the customers page "
                                   "with each attribute's coverage as published")
    dbt_docs.add_argument("--serve", action="store_true", help="then serve the site on loopback")
    dbt_docs.add_argument("--port", type=int, default=8081, help="port for --serve (default 8081)")
    dbt_docs.set_defaults(func=cmd_dbt_docs)
    report = commands.add_parser("erasure-report", help="where an account still is after its erasure (exit 1 if "
                                 "anywhere)")
    report.add_argument("user_id", help="the CRM account id, e.g. U00000042")
    report.set_defaults(func=cmd_erasure_report)
    vacuum = commands.add_parser("vacuum", help="VACUUM every lake table (files only older versions use)")
    vacuum.add_argument("--retention-hours", type=int, default=None,
                        help="keep files younger than this (default: the profile's [erasure] retention_hours)")
    vacuum.set_defaults(func=cmd_vacuum)
    docs = commands.add_parser("docs", help="write the source reference from the contracts")
    docs.add_argument("--output", type=Path, default=SOURCE_DOCS, help=f"default {SOURCE_DOCS}")
    docs.set_defaults(func=cmd_docs)
    commands.add_parser("up", help="start metastore, SQL endpoint and Airflow").set_defaults(func=cmd_up)
    commands.add_parser("down", help="stop the local services").set_defaults(func=cmd_down)
    commands.add_parser("status", help="show which services answer").set_defaults(func=cmd_status)
    return root


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    try:
        args.func(args)
    except (ConfigError, ServiceError, DbtError) as error:
        sys.exit(f"error: {error}")


if __name__ == "__main__":
    main()
