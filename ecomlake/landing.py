"""The landing-zone protocol: where deliveries go and how their arrival is announced.

A delivery is ``<landing>/<source>/<delivery date>/<files>``, completed by a
``_READY`` marker. Its arrival is then announced to the orchestrator as the
profile's ``[events]`` say: locally by touching ``<inbox>/<source>`` (an
Airflow AssetWatcher deletes it and starts ingestion); on AWS the S3 bucket
notifies SQS by itself, so there is nothing to do.
"""

from __future__ import annotations

from pathlib import Path

from ecomlake.config import Settings

READY_MARKER = "_READY"


def ready_deliveries(cfg: Settings, source: str) -> list[str]:
    """Delivery dates of ``source`` whose ``_READY`` marker has landed, oldest first."""
    root = Path(cfg.landing_root) / source
    return sorted(marker.parent.name for marker in root.glob(f"*/{READY_MARKER}"))


def announce_arrival(cfg: Settings, source: str) -> None:
    if cfg.events["kind"] != "directory":
        return  # the storage notifies the queue itself
    inbox = Path(cfg.events["inbox"])
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / source).touch()
