"""Quality gates stop the chain at their hop and leave what analysts read intact."""

import json
import shutil
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from pyspark.sql import functions as F

from ecomgen import generate
from ecomlake.landing import READY_MARKER
from expectations.gate import QualityGateError
from orchestration import marts, pipeline

MART = "marts.orders_daily"


@pytest.fixture(scope="module")
def loaded(spark, cfg):
    generate(cfg, ["orders"], date(2026, 7, 1), 1, 3, 0.003)
    pipeline.ingest("orders")
    pipeline.build_silver("orders")
    marts.build_models("stg_orders__orders")
    marts.refresh_mart(MART)


def counts(spark) -> dict[str, int]:
    return {t: spark.table(t).count() for t in ("bronze.orders", "quarantine.orders", "ops.ingested_files")}


def test_a_mostly_broken_delivery_is_stopped_before_anything_is_written(loaded, spark, cfg):
    folder = Path(cfg.landing_root) / "orders" / "2026-07-15"
    folder.mkdir(parents=True)
    good = json.dumps({"op": "c", "ts_ms": 1, "before": None, "after": {
        "order_id": "OX1", "user_id": "U1", "channel": "app", "status": "created",
        "created_at": "2026-07-15T00:00:00.000Z", "updated_at": "2026-07-15T00:00:00.000Z", "total_fen": 1}})
    (folder / "orders-2026-07-15-part-0001.jsonl").write_text(good + "\n" + "{truncated\n" * 9)
    (folder / READY_MARKER).write_text("{}")
    before = counts(spark)
    try:
        with pytest.raises(QualityGateError, match=r"landing\.orders.*expect_column_values_to_be_null on reason"):
            pipeline.ingest("orders")
        assert counts(spark) == before
    finally:
        shutil.rmtree(folder)


def test_a_mart_candidate_that_fails_its_gate_is_never_published(loaded, spark):
    good = spark.table(MART).orderBy("order_date", "channel").collect()
    history = spark.sql(f"DESCRIBE HISTORY {MART}").count()
    candidate = marts.candidate_of(MART)
    spark.sql(f"INSERT INTO {candidate} SELECT order_date, 'fax', 1, 1, 1, -100, 1, -100 FROM {candidate} LIMIT 1")
    bad = spark.sql(f"DESCRIBE HISTORY {candidate} LIMIT 1").first()["version"]
    with pytest.raises(QualityGateError, match=r"marts_candidate\.orders_daily.*gmv_fen"):
        marts.gate_candidate(MART, bad)
    assert spark.table(MART).orderBy("order_date", "channel").collect() == good
    assert spark.table(MART).where(F.col("channel") == "fax").count() == 0
    assert spark.sql(f"DESCRIBE HISTORY {MART}").count() == history


def test_the_file_notifier_records_who_failed_and_why(cfg):
    from orchestration.notify import FileNotifier

    ti = SimpleNamespace(dag_id="ingest_orders", task_id="load_bronze", run_id="r1", try_number=3)
    FileNotifier().notify({"ti": ti, "exception": QualityGateError("bronze.orders: 1 critical expectation")})
    alerts = (cfg.var_dir / "alerts" / "alerts.jsonl").read_text().splitlines()
    alert = json.loads(alerts[-1])
    assert (alert["dag_id"], alert["task_id"], alert["try_number"]) == ("ingest_orders", "load_bronze", 3)
    assert alert["error"].startswith("QualityGateError: bronze.orders")


def test_an_unreachable_webhook_does_not_lose_the_alert(cfg, monkeypatch):
    from orchestration.notify import failure_notifier

    monkeypatch.setenv("ECOMLAKE_ALERT_WEBHOOK", "http://127.0.0.1:9/hook")  # discard port: refused
    ti = SimpleNamespace(dag_id="orders_marts", task_id="check_orders_daily", run_id="r2", try_number=1)
    failure_notifier().notify({"ti": ti, "exception": RuntimeError("boom")})
    alert = json.loads((cfg.var_dir / "alerts" / "alerts.jsonl").read_text().splitlines()[-1])
    assert (alert["dag_id"], alert["error"]) == ("orders_marts", "RuntimeError: boom")


def test_data_docs_keep_a_site_per_table_and_an_index_of_each_ones_latest_gate(spark, tmp_path):
    import great_expectations.expectations as gxe

    from expectations.gate import check

    frame = spark.createDataFrame([(1, "a"), (2, None)], "id int, name string")
    check(frame, "t.clean", [gxe.ExpectColumnValuesToNotBeNull(column="id", severity="critical")], tmp_path)
    check(frame, "t.sparse", [gxe.ExpectColumnValuesToNotBeNull(column="name", severity="warning"),
                              gxe.ExpectColumnValuesToBeUnique(column="id", severity="critical")], tmp_path)
    with pytest.raises(QualityGateError):
        check(frame, "t.broken", [gxe.ExpectColumnValuesToBeNull(column="id", severity="critical")], tmp_path)
    check(frame, "t.clean", [gxe.ExpectColumnValuesToBeUnique(column="id", severity="critical")], tmp_path)

    index = (tmp_path / "index.html").read_text()
    rows = {cells[0]: cells[1:] for cells in
            ([c.split("</td>")[0] for c in row.split("<td>")[1:]] for row in index.split("<tr>")[2:])}
    assert {name: (cells[1], cells[2]) for name, cells in rows.items()} == {
        '<a href="t.broken/index.html">t.broken</a>': ("0/1", "failed"),
        '<a href="t.clean/index.html">t.clean</a>': ("1/1", "passed"),
        '<a href="t.sparse/index.html">t.sparse</a>': ("1/2", "1 warnings"),
    }
    for table in ("t.clean", "t.sparse", "t.broken"):  # each site keeps its own pages
        assert list((tmp_path / table / "validations").rglob("*.html")), table
    # a gate with a failure validated twice (verdicts, then details): its site shows the one with the details
    broken = list((tmp_path / "t.broken" / "validations").rglob("*.html"))
    assert len(broken) == 1 and "unexpected" in broken[0].read_text().lower()
    # t.clean's site shows its latest gate (uniqueness), not the first (not null)
    assert "values must be unique" in (tmp_path / "t.clean" / "expectations" / "t" / "clean.html").read_text()
