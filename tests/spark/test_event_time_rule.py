""""Event in the future" is judged against the record's own delivery date, never the clock.

Hand-written rows: deliveries from 2020 (long past) and 2031 (years ahead of any test run), so a
rule that read the clock would flip both verdicts.
"""

from datetime import UTC, date, datetime

import pytest

from ecomlake.contracts import load_contract
from expectations.contract_rules import FUTURE, bronze_suite, bronze_view, cross_checks, silver_view
from expectations.gate import QualityGateError, check

COUPONS, ORDERS, PAYMENTS = load_contract("coupons"), load_contract("orders"), load_contract("payments")

# (delivery date, event time, in the future?): a delivery holds events up to the end of its UTC day,
# plus one hour of device-clock drift.
CASES = [
    ("2020-01-01", "2020-01-01T12:00:00", False),  # on its delivery day
    ("2020-01-01", "2019-12-29T08:00:00", False),  # days late
    ("2020-01-01", "2020-01-02T00:59:59", False),  # within the drift tolerance
    ("2020-01-01", "2020-01-02T01:00:01", True),  # past it
    ("2020-01-01", "2020-01-03T12:00:00", True),  # two days after its delivery: in the past for any clock today
    ("2031-03-01", "2031-03-01T12:00:00", False),  # on its delivery day: in the future for any clock today
    ("2031-03-01", "2031-03-03T00:00:00", True),
]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def ms(text: str) -> int:
    return int(at(text).timestamp() * 1000)


def flags(view) -> list[bool]:
    return [r[FUTURE] for r in view.orderBy("n").collect()]


EXPECTED = [future for _, _, future in CASES]


def test_bronze_rows_are_judged_against_the_delivery_in_their_source_file(spark):
    rows = [(str(n), at(t), f"coupons/{day}/coupons-{day}-part-0001.jsonl", n) for n, (day, t, _) in enumerate(CASES)]
    bronze = spark.createDataFrame(rows, "event_id string, event_time timestamp, _source_file string, n int")
    assert flags(bronze_view(bronze, COUPONS)) == EXPECTED


def test_change_events_are_judged_by_ts_ms_against_their_delivery(spark):
    rows = [("c", ms(t), None, None, f"orders/{day}/orders-{day}-part-0001.jsonl") for day, t, _ in CASES]
    bronze = spark.createDataFrame(rows, f"{ORDERS.envelope_ddl}, _source_file string")
    verdicts = {r.ts_ms: r[FUTURE] for r in bronze_view(bronze, ORDERS).collect()}
    assert verdicts == {ms(t): future for _, t, future in CASES}


def test_silver_rows_are_judged_against_delivered_on(spark):
    rows = [(str(n), at(t), date.fromisoformat(day), n) for n, (day, t, _) in enumerate(CASES)]
    coupons = spark.createDataFrame(rows, "event_id string, event_time timestamp, _delivered_on date, n int")
    assert flags(silver_view(coupons, COUPONS)) == EXPECTED
    rows = [(str(n), ms(t), False, date.fromisoformat(day), n)
            for n, (day, t, _) in enumerate(CASES)]
    orders = spark.createDataFrame(rows, "order_id string, _changed_at_ms bigint, _is_deleted boolean, "
                                         "_delivered_on date, n int")
    assert flags(silver_view(orders, ORDERS)) == EXPECTED


@pytest.mark.parametrize(("day", "event_time", "passes"), [
    ("2031-03-01", "2031-03-01T23:30:00", True),
    ("2020-01-01", "2020-01-03T00:00:00", False),
])
def test_the_bronze_gate_gives_the_same_verdict_whenever_it_runs(spark, tmp_path, day, event_time, passes):
    rows = [("e1", at(event_time), f"coupons/{day}/coupons-{day}-part-0001.jsonl")]
    view = bronze_view(spark.createDataFrame(rows, "event_id string, event_time timestamp, _source_file string"),
                       COUPONS)
    if passes:
        assert check(view, "bronze.coupons", bronze_suite(COUPONS), tmp_path).failed_critical == []
    else:
        with pytest.raises(QualityGateError, match=f"on {FUTURE}: 1 unexpected"):
            check(view, "bronze.coupons", bronze_suite(COUPONS), tmp_path)


def test_cross_checks_audit_the_silver_rows_they_are_given(spark, tmp_path):
    """A refund larger than its payment in the candidate fails, whatever silver.payments holds today."""
    candidate = spark.createDataFrame(
        [("P1", "O1", "payment", "succeeded", 100), ("P2", "O1", "refund", "succeeded", 150)],
        "payment_id string, order_id string, event_type string, status string, amount_fen bigint")
    name, view, rules = cross_checks(spark, PAYMENTS, candidate)[0]
    assert [(r.order_id, r.paid_fen, r.refunded_fen) for r in view.collect()] == [("O1", 100, 150)]
    with pytest.raises(QualityGateError, match=r"refunds: .*_b on paid_fen, refunded_fen: 1 unexpected"):
        check(view, name, rules, tmp_path)
