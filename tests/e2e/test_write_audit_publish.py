"""Write-audit-publish: a silver or mart build killed between its candidate and its publish changes nothing readers see.

Each build runs in its own Spark application and is SIGKILLed as soon as its candidate's Delta commit
is on disk (observed from the files, no hook in the product). Meanwhile this test's Spark session and
beeline through the Thrift Server keep reading the published table. The re-run then publishes once:
the mart equals an aggregate of silver computed here in plain Python, silver holds the new delivery.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from ecomgen import generate
from ecomlake.contracts import load_contract
from orchestration import marts, pipeline
from spark_jobs import silver

pytestmark = pytest.mark.e2e
MART = "marts.orders_daily"
START, SEED, SCALE = date(2026, 12, 1), 5, 0.003
HOP = ("from orchestration import marts; marts.build_models('stg_orders__orders'); "
       "marts.refresh_mart('marts.orders_daily')")
SUMMARY = "select count(*), sum(orders), sum(gmv_fen) from marts.orders_daily"
SILVER_SUMMARY = ("select count(*), sum(hash(order_id, status, _changed_at_ms, _is_deleted)) "
                  "from silver.orders")  # any change of a row changes it
NEW_DAY, RUN_ID = "2026-12-03", "killed-before-publish"


def load_day(cfg, day: date) -> None:
    generate(cfg, ["orders"], day, 1, SEED, SCALE)
    pipeline.ingest("orders")
    pipeline.build_silver("orders")


def history(spark, table: str) -> list:
    return spark.sql(f"DESCRIBE HISTORY {table}").orderBy("version").collect()


def read(spark, query: str) -> tuple[int, ...]:
    return tuple(int(v) for v in spark.sql(query).first())


def commits(table_dir: str) -> set[str]:
    log_dir = Path(table_dir.removeprefix("file:")) / "_delta_log"
    return {p.name for p in log_dir.glob("*.json")} if log_dir.exists() else set()


def expected_mart(spark) -> set[tuple]:
    """orders_daily computed from silver here, in Python: the definition in the model's YAML, not its SQL."""
    groups: dict[tuple, dict] = defaultdict(lambda: {"orders": set(), "paid": set(), "buyers": set(),
                                                     "gmv": 0, "units": 0})
    for r in spark.table("silver.orders").where("not _is_deleted").collect():
        g = groups[(r.order_date, r.channel)]
        g["orders"].add(r.order_id)
        g["buyers"] |= {r.user_id} - {None}
        if r.is_paid:
            g["paid"].add(r.order_id)
            g["gmv"] += r.total_fen or 0
            g["units"] += r.item_quantity or 0
    return {(day, channel, len(g["orders"]), len(g["paid"]), len(g["buyers"]), g["gmv"], g["units"],
             g["gmv"] // len(g["paid"]) if g["paid"] else None) for (day, channel), g in groups.items()}


def beeline(cfg, query: str) -> tuple[int, ...]:
    """One analyst query through the Thrift Server, as a BI user would run it."""
    import pyspark

    from ecomlake.private_files import write_private
    from ecomlake.services.sql_access import sql_password

    user = cfg.sql_endpoint.analyst_user
    password_file = write_private(cfg.var_dir / "secrets" / f"sql-{user}.beeline", sql_password(cfg, user))
    url = f"jdbc:hive2://{cfg.sql_endpoint.host}:{cfg.sql_endpoint.port}"
    out = subprocess.run([str(Path(pyspark.__file__).parent / "bin" / "beeline"), "-u", url, "-n", user,
                          "-w", str(password_file), "--silent=true", "--outputformat=csv2", "-e", query],
                         capture_output=True, text=True, timeout=300, check=True).stdout
    return tuple(int(v) for v in out.strip().splitlines()[-1].split(","))


@pytest.fixture(scope="module")
def published_then_new_silver(spark, cfg):
    """A published mart from one day of orders; then a second day in silver that the mart does not have yet."""
    load_day(cfg, START)
    marts.build_models("stg_orders__orders")
    marts.refresh_mart(MART)
    load_day(cfg, date(2026, 12, 2))


def killed_after_its_candidate(cfg, spark, platform_env, build: list[str], candidate_dir: str,
                               query: str) -> tuple[list, list]:
    """Run ``build`` and SIGKILL it once ``candidate_dir`` has a new commit, reading ``query`` throughout.

    Returns what this Spark session and beeline (in a thread, as an analyst) saw, the last of each after the kill.
    """
    candidate_before = commits(candidate_dir)
    seen_by_beeline, beeline_errors, stop = [], [], threading.Event()

    def read_through_beeline():
        try:
            while not stop.is_set():
                seen_by_beeline.append(beeline(cfg, query))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            beeline_errors.append(error)

    job = subprocess.Popen(build, env={**os.environ, **platform_env}, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    reader = threading.Thread(target=read_through_beeline)
    reader.start()
    seen_by_spark, deadline = [], time.monotonic() + 900
    try:
        while not commits(candidate_dir) - candidate_before:
            assert job.poll() is None, f"the build ended ({job.returncode}) before its candidate was written"
            assert time.monotonic() < deadline, "no candidate commit within 15 minutes"
            seen_by_spark.append(read(spark, query))
            time.sleep(0.5)
        os.killpg(job.pid, signal.SIGKILL)  # the candidate is committed; its gate and publish are still ahead
        job.wait()
        killed_at = len(seen_by_beeline)
        while len(seen_by_beeline) == killed_at and reader.is_alive():  # one beeline read after the kill
            time.sleep(0.5)
        seen_by_spark.append(read(spark, query))
    finally:
        stop.set()
        reader.join()
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGKILL)
    assert not beeline_errors
    assert commits(candidate_dir) - candidate_before, "the killed build wrote its candidate"
    return seen_by_spark, seen_by_beeline


def test_a_killed_build_leaves_the_mart_as_readers_had_it_and_the_rerun_publishes_once(
        published_then_new_silver, sql_endpoint, spark, cfg, platform_env):
    old, old_history = read(spark, SUMMARY), history(spark, MART)
    assert beeline(cfg, SUMMARY) == old
    mart_dir = spark.sql(f"DESCRIBE DETAIL {MART}").first()["location"]
    mart_before = commits(mart_dir)

    seen_by_spark, seen_by_beeline = killed_after_its_candidate(
        cfg, spark, platform_env, [sys.executable, "-c", HOP],
        cfg.table_location("marts_candidate", "orders_daily"), SUMMARY)

    assert commits(mart_dir) == mart_before, "the killed build did not publish"
    assert seen_by_spark and set(seen_by_spark) == {old}
    assert seen_by_beeline and set(seen_by_beeline) == {old}
    assert history(spark, MART) == old_history

    rerun = marts.refresh_mart(MART)
    new_history = history(spark, MART)
    assert len(new_history) == len(old_history) + 1
    published = new_history[-1]
    assert (published.version, rerun["publish"]["published_version"]) == (old_history[-1].version + 1,) * 2
    assert f'"candidate_version": {rerun["mart"]["candidate_version"]}' in published.userMetadata
    assert set(tuple(r) for r in spark.table(MART).collect()) == expected_mart(spark)
    assert read(spark, SUMMARY) != old and beeline(cfg, SUMMARY) == read(spark, SUMMARY)
    # the location analysts' tools know is kept
    assert spark.sql(f"DESCRIBE DETAIL {MART}").first()["location"] == mart_dir

    again = marts.publish(MART, rerun["mart"]["candidate_version"])  # e.g. Airflow retrying the publish task
    assert again["published_version"] is None and history(spark, MART) == new_history


def test_an_older_candidate_never_overwrites_a_newer_publish(published_then_new_silver, spark):
    versions = [r.version for r in history(spark, marts.candidate_of(MART))]
    published = history(spark, MART)
    assert marts.publish(MART, versions[0])["published_version"] is None
    assert history(spark, MART) == published


def test_a_killed_silver_build_leaves_silver_as_readers_had_it_and_the_rerun_publishes_once(
        published_then_new_silver, sql_endpoint, spark, cfg, platform_env):
    generate(cfg, ["orders"], date.fromisoformat(NEW_DAY), 1, SEED, SCALE)  # landed, not yet ingested
    assert spark.table("silver.orders").where(f"order_date = '{NEW_DAY}'").count() == 0
    old, old_history = read(spark, SILVER_SUMMARY), history(spark, "silver.orders")
    assert beeline(cfg, SILVER_SUMMARY) == old
    candidate = silver.candidate_table(load_contract("orders"))

    seen_by_spark, seen_by_beeline = killed_after_its_candidate(
        cfg, spark, platform_env, [sys.executable, "-m", "orchestration.ingest_job", "orders", "--run-id", RUN_ID],
        cfg.table_location(*candidate.split(".")), SILVER_SUMMARY)

    assert history(spark, "silver.orders") == old_history, "the killed build did not publish"
    assert seen_by_spark and set(seen_by_spark) == {old}
    assert seen_by_beeline and set(seen_by_beeline) == {old}

    rerun = pipeline.ingest_and_build("orders", run_id=RUN_ID)  # the retry of the same run
    assert rerun["silver"]["rows_changed"] > 0
    assert len(history(spark, "silver.orders")) == len(old_history) + 1
    assert spark.table("silver.orders").where(f"order_date = '{NEW_DAY}'").count() > 0
    assert beeline(cfg, SILVER_SUMMARY) == read(spark, SILVER_SUMMARY) != old

    again = pipeline.ingest_and_build("orders", run_id=RUN_ID)
    assert again["silver"]["rows_changed"] == 0 and len(history(spark, "silver.orders")) == len(old_history) + 1
