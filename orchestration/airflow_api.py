"""A few read-only calls to the Airflow REST API (v2) of the local deployment."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from datetime import datetime

from ecomlake.config import Settings

TERMINAL = {"success", "failed"}


def _get(cfg: Settings, path: str, **query: str) -> dict:
    url = f"http://{cfg.airflow.host}:{cfg.airflow.port}/api/v2/{path}?{urllib.parse.urlencode(query)}"
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def dag_runs_since(cfg: Settings, dag_id: str, since: datetime) -> list[dict]:
    """Runs of ``dag_id`` whose ``run_after`` is at or after ``since``, oldest first."""
    body = _get(cfg, f"dags/{dag_id}/dagRuns", run_after_gte=since.isoformat(), order_by="run_after", limit="100")
    return body["dag_runs"]


def parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
