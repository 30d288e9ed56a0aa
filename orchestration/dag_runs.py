"""Run DAGs as real Airflow DAG runs, one after the other, in this one process.

``airflow dags test`` starts a new interpreter (and so a cold Spark JVM) per
DAG; running them here keeps one warm Spark session for the whole main job.
Started by ``ecomlake run`` with the project's Airflow environment.

    python -m orchestration.dag_runs --logical-date 2026-11-21 [--conf '{"replay_from": ...}'] DAG_ID...
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from datetime import UTC, datetime
from pathlib import Path


def run(dag_ids: list[str], logical_date: datetime, conf: dict | None,
        timings: Path | None = None) -> list[tuple[str, str]]:
    """(dag id, final state) per DAG; stops at the first failed run. With ``timings``, each run's start and end
    (epoch seconds) are appended there as a JSON line (the benchmark reads them)."""
    from airflow.utils.cli import get_bagged_dag
    from airflow.utils.state import DagRunState

    states = []
    for dag_id in dag_ids:
        dag = get_bagged_dag(None, dag_id)
        run_conf = conf if conf and "replay_from" in dag.params else None
        started = time.time()
        dag_run = dag.test(logical_date=logical_date, run_conf=run_conf)
        if timings is not None:
            with timings.open("a") as out:
                out.write(json.dumps({"dag_id": dag_id, "started": started, "ended": time.time(),
                                      "state": str(dag_run.state)}) + "\n")
        states.append((dag_id, str(dag_run.state)))
        logging.getLogger(__name__).info("%s: %s", dag_id, dag_run.state)
        if dag_run.state != DagRunState.SUCCESS:
            break
    return states


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m orchestration.dag_runs", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--logical-date", required=True, type=lambda s: datetime.fromisoformat(s).replace(tzinfo=UTC),
                        help="logical date of every run (YYYY-MM-DD)")
    parser.add_argument("--conf", type=json.loads, help="run conf (JSON) for the DAGs that take these params")
    parser.add_argument("--timings", type=Path, help="append each run's start and end here (JSON lines)")
    parser.add_argument("dag_ids", nargs="+", help="DAGs to run, in order")
    args = parser.parse_args(argv)
    states = run(args.dag_ids, args.logical_date, args.conf, args.timings)
    for dag_id, state in states:
        print(f"{dag_id}: {state}")
    if len(states) < len(args.dag_ids) or any(state != "success" for _, state in states):
        sys.exit(f"DAG run failed: {states[-1][0]} ({states[-1][1]}); later DAGs not run")


if __name__ == "__main__":
    main()
