"""Run dbt in this process, on this process's warm Spark session.

dbt-spark's ``session`` method calls ``SparkSession.builder.getOrCreate()``,
which returns the session :func:`ecomlake.spark.get_spark` already built with
Delta and the shared metastore: no second JVM, no cold start per model.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from ecomlake.config import REPO_ROOT, settings
from ecomlake.spark import get_spark

log = logging.getLogger(__name__)

PROJECT_DIR = REPO_ROOT / "dbt_project"
# dbt keeps global state (flags, adapters, its manifest): calls side by side on the engine take turns.
_ONE_AT_A_TIME = threading.Lock()


class DbtError(RuntimeError):
    """A model or test failed: a data error, not worth retrying. The message names the nodes."""


@dataclass(frozen=True)
class NodeResult:
    name: str
    status: str
    message: str | None


def mart_models(group: str) -> tuple[str, ...]:
    """``marts.<name>`` for each model file under ``models/marts/<group>/`` (``*``: every group): a DAG that
    builds a group builds whatever is there, so a new model is a new task without a DAG edit (a glob: cheap at
    parse time)."""
    return tuple(f"marts.{path.stem}" for path in sorted((PROJECT_DIR / "models" / "marts").glob(f"{group}/*.sql")))


def published_inputs(group: str) -> tuple[str, ...]:
    """``marts.<name>`` for each published mart the group's models read as a dbt source (its
    ``_published_marts__sources.yml``): what a group built on other groups' published marts is triggered by."""
    import yaml

    spec = yaml.safe_load((PROJECT_DIR / "models" / "marts" / group / "_published_marts__sources.yml").read_text())
    return tuple(f"marts.{t['name']}" for source in spec["sources"] for t in source["tables"])


def dbt_state(target: str = "target") -> Path:
    """Where dbt writes its artifacts (``target``) or logs, under the data root; ``docs`` holds the docs site."""
    return settings().var_dir / "dbt" / target


def run_dbt(*args: str, target: str = "target") -> list[NodeResult]:
    """``run_dbt("build", "--select", "orders_daily")``; raises :class:`DbtError` on failure.

    ``target`` names the artifacts' folder (:func:`dbt_state`): the docs site keeps its own, so a build
    never overwrites the manifest the site was generated with."""
    from dbt.cli.main import dbtRunner  # heavy: only when dbt actually runs

    get_spark()
    argv = [
        *args,
        "--project-dir", str(PROJECT_DIR),
        "--profiles-dir", str(PROJECT_DIR),
        "--target-path", str(dbt_state(target)),
        "--log-path", str(dbt_state("logs")),
    ]
    log.info("dbt %s", " ".join(args))
    with _ONE_AT_A_TIME:
        outcome = dbtRunner().invoke(argv)
    results = [  # a run's node results (`docs generate` returns the catalog instead)
        NodeResult(r.node.name, str(r.status), r.message)
        for r in getattr(outcome.result, "results", None) or [] if hasattr(r, "node")
    ]
    for r in results:
        log.info("dbt %-45s %s", r.name, r.status)
    if outcome.exception is not None:
        # dbt itself could not run (metastore, Spark, parse): possibly transient, so retryable.
        raise RuntimeError(f"dbt {' '.join(args)} could not run: {outcome.exception}") from outcome.exception
    if not outcome.success:
        failed = [f"{r.name}: {r.message}" for r in results if r.status not in ("success", "pass", "skipped")]
        raise DbtError(f"dbt {' '.join(args)} failed: {'; '.join(failed)}")
    return results
