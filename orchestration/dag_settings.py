"""What every DAG of the platform shares: default task arguments and failure semantics."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from orchestration.notify import failure_notifier


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


@contextmanager
def fail_fast_on_data_errors() -> Iterator[None]:
    """Data errors (a failed quality gate, a failing dbt test) fail the task at once.

    Retrying cannot fix bad data; transient errors (a busy metastore, a lost
    executor) still get the DAG's retries with backoff. A build whose inputs were
    never published (a source that has not delivered yet), or have not changed
    since its last publish, is skipped with the reason in the log.
    """
    from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

    from expectations.gate import QualityGateError
    from orchestration.dbt import DbtError
    from orchestration.marts import InputsMissing, NothingNew

    try:
        yield
    except (InputsMissing, NothingNew) as nothing_to_do:
        raise AirflowSkipException(str(nothing_to_do)) from nothing_to_do
    except (QualityGateError, DbtError) as error:
        raise AirflowFailException(str(error)) from error
