"""What every DAG of the platform shares: default task arguments and failure semantics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from orchestration.notify import failure_notifier

T = TypeVar("T")


def default_args() -> dict:
    """Retries with backoff for transient errors; the notifier once retries are spent."""
    return {
        "owner": "data-platform",
        "retries": 2,
        "retry_delay": timedelta(seconds=30),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=10),
        "execution_timeout": timedelta(hours=1),
        "on_failure_callback": [failure_notifier()],
    }


def dag_settings() -> dict:
    """``@dag`` arguments every platform DAG shares: event-driven, one run at a time, bounded."""
    return {
        "start_date": datetime(2026, 1, 1),
        "catchup": False,
        "max_active_runs": 1,
        "dagrun_timeout": timedelta(hours=2),
        "default_args": default_args(),
    }


def on_engine(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``function(*args, **kwargs)`` on the warm engine (:mod:`orchestration.engine`), the task's outcome
    decided by how it ended.

    Data errors (a failed quality gate, a failing dbt test) fail the task at once: retrying cannot fix bad
    data. Other errors (a busy metastore, a lost executor, the engine down) get the DAG's retries with
    backoff. A build whose inputs were never published (a source that has not delivered yet), or have not
    changed since its last publish, is skipped with the reason in the log.
    """
    from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

    from orchestration import engine

    try:
        return engine.run(function, *args, **kwargs)
    except engine.EngineCallError as error:
        if error.verdict == engine.SKIP:
            raise AirflowSkipException(str(error)) from error
        if error.verdict == engine.DATA_ERROR:
            raise AirflowFailException(str(error)) from error
        raise
