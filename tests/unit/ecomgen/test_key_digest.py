"""The benchmark compares the live keys both engines kept by a digest: it must see which keys, not how many."""

from __future__ import annotations

from datetime import date

from ecomgen.bench.duck import key_digest


def test_the_same_keys_in_any_order_give_the_same_digest():
    keys = [("2026-11-20", "wh-1", "sku-9"), ("2026-11-21", "wh-1", "sku-9"), ("2026-11-20", "wh-2", "sku-1")]
    assert key_digest(keys) == key_digest(reversed(keys))


def test_one_key_swapped_for_another_changes_the_digest():
    kept = [("u-1",), ("u-2",), ("u-3",)]
    assert key_digest(kept) != key_digest([("u-1",), ("u-2",), ("u-4",)])
    assert key_digest(kept) != key_digest(kept[:2])


def test_a_date_key_digests_as_its_iso_text_in_either_engine():
    """DuckDB and delta-rs both hand back a Python date; the digest reads its ISO text."""
    assert key_digest([(date(2026, 11, 20), "jd")]) == key_digest([("2026-11-20", "jd")])


def test_values_are_kept_apart_within_a_key():
    assert key_digest([("ab", "c")]) != key_digest([("a", "bc")])
