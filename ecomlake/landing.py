"""The landing-zone protocol: where deliveries go and how their arrival is announced.

A delivery is ``<landing>/<source>/<delivery date>/<files>``, completed by a
``_READY`` marker. Its arrival is then announced to the orchestrator as the
profile's ``[events]`` say: locally by touching ``<inbox>/<source>`` (an
Airflow AssetWatcher deletes it and starts ingestion); on AWS the S3 bucket
notifies SQS by itself, so there is nothing to do. Landing may be a local
folder or a bucket (:mod:`ecomlake.storage`).
"""

from __future__ import annotations

from ecomlake import storage
from ecomlake.config import Settings

READY_MARKER = "_READY"


def ready_deliveries(cfg: Settings, source: str) -> list[str]:
    """Delivery dates of ``source`` whose ``_READY`` marker has landed, oldest first."""
    markers = storage.at(cfg.landing_root).glob(f"{source}/*/{READY_MARKER}")
    return sorted(marker.split("/")[1] for marker in markers)


def announce_arrival(cfg: Settings, source: str) -> None:
    if cfg.events["kind"] != "directory":
        return  # the storage notifies the queue itself
    storage.at(cfg.events["inbox"]).touch(source)
