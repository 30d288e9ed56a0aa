"""Helpers for task bodies: how a failure should be retried."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def fail_fast_on_data_errors() -> Iterator[None]:
    """Data errors (a failed quality gate, a failing dbt test) fail the task at once.

    Retrying cannot fix bad data; transient errors (a busy metastore, a lost
    executor) still get the DAG's retries with backoff.
    """
    from airflow.sdk.exceptions import AirflowFailException

    from ecomlake.dbt import DbtError
    from expectations.gate import QualityGateError

    try:
        yield
    except (QualityGateError, DbtError) as error:
        raise AirflowFailException(str(error)) from error
