"""Failure notifiers: who hears about a failed task once its retries are spent.

Every alert goes to a JSON-lines file under ``<var>/alerts/`` (what an
engineer tails locally) and, when ``ECOMLAKE_ALERT_WEBHOOK`` is set, to that
webhook too.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from datetime import UTC, datetime

from airflow.sdk import BaseNotifier

from ecomlake.config import settings

log = logging.getLogger(__name__)


def alert_from(context) -> dict:
    """What an on-call engineer needs from a task failure, without secrets or data."""
    ti = context.get("ti") or context.get("task_instance")
    error = context.get("exception")
    return {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "dag_id": getattr(ti, "dag_id", None),
        "task_id": getattr(ti, "task_id", None),
        "run_id": getattr(ti, "run_id", None),
        "try_number": getattr(ti, "try_number", None),
        "error": f"{type(error).__name__}: {error}" if error else None,
    }


class FileNotifier(BaseNotifier):
    """Append one JSON line per failure to ``<var>/alerts/alerts.jsonl``."""

    def notify(self, context) -> None:
        path = settings().var_dir / "alerts" / "alerts.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        alert = alert_from(context)
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(alert, ensure_ascii=False) + "\n")
        log.error("ALERT %s.%s failed: %s (recorded in %s)", alert["dag_id"], alert["task_id"], alert["error"], path)


class WebhookNotifier(BaseNotifier):
    """POST the alert as JSON (Slack/DingTalk/Feishu-style incoming webhooks accept this shape)."""

    def __init__(self, url: str):
        super().__init__()
        self.url = url

    def notify(self, context) -> None:
        alert = alert_from(context)
        body = json.dumps({"text": f"{alert['dag_id']}.{alert['task_id']} failed: {alert['error']}",
                           "alert": alert}, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            log.info("alert posted to webhook: HTTP %s", response.status)


class AlertNotifier(BaseNotifier):
    """Always records the alert in the file; also posts it when ``ECOMLAKE_ALERT_WEBHOOK`` is set.

    The choice is made when the failure happens, not when the DAG is parsed,
    and a webhook that is down does not lose the alert.
    """

    def notify(self, context) -> None:
        FileNotifier().notify(context)
        if url := os.environ.get("ECOMLAKE_ALERT_WEBHOOK"):
            try:
                WebhookNotifier(url).notify(context)
            except OSError as error:
                log.error("alert webhook failed (%s); the alert is in the alerts file", error)


def failure_notifier() -> BaseNotifier:
    return AlertNotifier()
