"""What a run did, as JSON reports under ``<var>/reports`` that the summary and the tests read."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from ecomlake.config import settings
from ecomlake.spark import get_spark

log = logging.getLogger(__name__)


def docs_dir():
    """Where Great Expectations writes the Data Docs site."""
    return settings().var_dir / "quality" / "data_docs"


def write_report(name: str, tables: tuple[str, ...], steps: dict) -> dict:
    """Row counts and locations of ``tables`` plus what the steps said, to ``<var>/reports/<name>.json``."""
    spark, cfg = get_spark(), settings()
    report = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "profile": cfg.profile,
        "tables": {t: {"rows": spark.table(t).count(), "location": _location(spark, t)} for t in tables},
        "steps": steps,
    }
    path = cfg.var_dir / "reports" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    log.info("report written to %s", path)
    return report


def _location(spark, table: str) -> str:
    detail = spark.sql(f"DESCRIBE TABLE EXTENDED {table}").where("col_name = 'Location'").collect()
    return detail[0].data_type if detail else "(view)"


def gates_summary(gates: list) -> dict | None:
    if not gates:
        return None
    return {
        "passed": sum(g.passed for g in gates),
        "evaluated": sum(len(g.outcomes) for g in gates),
        "warnings": [f"{g.table}: {o.describe()}" for g in gates for o in g.warnings],
    }
