"""The quarantine fingerprint: Python's and Spark's agree, and it tells different sets apart."""

import hashlib

from ecomlake.quarantine import fingerprint, table_fingerprint

PAIRS = [("a" * 64, "malformed_json"), ("b" * 64, "bad_type:amount"), ("c" * 64, "missing_required:id")]


def test_it_counts_distinct_pairs_and_ignores_order():
    assert fingerprint(PAIRS) == fingerprint(list(reversed(PAIRS)) + PAIRS[:1])
    assert fingerprint(PAIRS)["records"] == 3


def test_one_changed_reason_changes_it():
    changed = [*PAIRS[:2], ("c" * 64, "missing_required:other")]
    assert fingerprint(changed) != fingerprint(PAIRS)


def test_the_sum_is_of_the_sha256_prefixes_modulo_16_to_the_15():
    expected = sum(int(hashlib.sha256(f"{h} {r}".encode()).hexdigest()[:15], 16) for h, r in PAIRS) % 16**15
    assert fingerprint(PAIRS)["sum"] == f"{expected:015x}"


def test_spark_computes_the_same_fingerprint(spark):
    rows = spark.createDataFrame([*PAIRS, PAIRS[0]], "_record_hash string, reason string")
    assert table_fingerprint(rows) == fingerprint(PAIRS)
    assert table_fingerprint(rows.limit(0)) == fingerprint([])
