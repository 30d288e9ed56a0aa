"""Every lakehouse table is an Airflow Asset named ``<layer>.<table>``; every source's landing zone too.

The URI ``x-lakehouse://<layer>/<table>`` names the table in the shared
catalog whichever profile stores it, so the asset graph does not change with
the storage. A landing asset carries the watcher that turns a delivery's
arrival into an asset event, built from the profile's ``[events]``.
"""

from __future__ import annotations

from airflow.sdk import Asset, AssetWatcher

from ecomlake.config import Settings, settings


def table_asset(table: str) -> Asset:
    """``table`` is ``<layer>.<name>``, as in SQL."""
    layer, name = table.split(".")
    return Asset(name=table, uri=f"x-lakehouse://{layer}/{name}", group=layer)


def _directory_trigger(cfg: Settings, source: str):
    from airflow.providers.standard.triggers.file import DirectoryFileDeleteTrigger

    return DirectoryFileDeleteTrigger(directory=cfg.events["inbox"], filename=source, poke_interval=2.0)


def _sqs_trigger(cfg: Settings, source: str):
    from airflow.providers.amazon.aws.triggers.sqs import SqsSensorTrigger

    return SqsSensorTrigger(
        sqs_queue=cfg.events["queue_url"].replace("{source}", source),
        aws_conn_id=cfg.events.get("aws_conn_id", "aws_default"),
        # Only S3 object notifications count: the s3:TestEvent sent on configuration has no Records.
        message_filtering="jsonpath",
        message_filtering_config="Records[*].s3.object.key",
        waiter_delay=5,
    )


ARRIVAL_TRIGGERS = {"directory": _directory_trigger, "sqs": _sqs_trigger}


def landing_asset(source: str) -> Asset:
    """The deliveries of ``source``; an asset event each time new ones arrive."""
    cfg = settings()
    trigger = ARRIVAL_TRIGGERS[cfg.events["kind"]](cfg, source)
    return Asset(
        name=f"landing.{source}",
        uri=f"x-lakehouse://landing/{source}",
        group="landing",
        watchers=[AssetWatcher(name=f"{source}_arrivals", trigger=trigger)],
    )
