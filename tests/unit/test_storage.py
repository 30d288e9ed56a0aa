"""The storage interface behaves the same on local disk and in S3 (moto's server on loopback)."""

from dataclasses import replace
from uuid import uuid4

import pytest

from ecomlake import storage
from ecomlake.config import load_settings
from ecomlake.landing import announce_arrival, ready_deliveries


@pytest.fixture(params=["local", "s3"])
def root(request, tmp_path, monkeypatch) -> str:
    """An empty root of either kind, as a profile would name it."""
    if request.param == "local":
        return str(tmp_path / "landing")
    endpoint = request.getfixturevalue("moto_endpoint")
    for key, value in {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
                       "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    bucket = f"storage-{uuid4().hex[:12]}"
    storage.s3_client().create_bucket(Bucket=bucket)
    return f"s3a://{bucket}/some/landing"


def test_the_backend_follows_the_scheme(root):
    expected = storage.S3Store if root.startswith("s3a://") else storage.LocalStore
    assert type(storage.at(root)) is expected


def test_files_written_are_listed_relative_sorted_and_one_segment_per_star(root):
    store = storage.at(root)
    for path in ["orders/2026-11-21/orders-2.jsonl", "orders/2026-11-20/orders-1.jsonl", "orders/2026-11-20/_READY",
                 "orders/2026-11-20/nested/orders-9.jsonl", "payments/2026-11-20/payments-1.jsonl"]:
        store.write_text(path, f"{path}\n")
    assert store.glob("orders/*/orders-*.jsonl") == ["orders/2026-11-20/orders-1.jsonl",
                                                     "orders/2026-11-21/orders-2.jsonl"]
    assert store.glob("orders/*/_READY") == ["orders/2026-11-20/_READY"]
    assert store.glob("*/2026-11-20/*-1.jsonl") == ["orders/2026-11-20/orders-1.jsonl",
                                                   "payments/2026-11-20/payments-1.jsonl"]
    assert store.glob("orders/2026-11-2[1-9]/*") == ["orders/2026-11-21/orders-2.jsonl"]
    assert store.glob("refunds/*/*") == []
    assert store.read_text("orders/2026-11-21/orders-2.jsonl") == "orders/2026-11-21/orders-2.jsonl\n"


def test_text_keeps_utf8_and_newlines_and_bytes_stay_bytes(root):
    store = storage.at(root)
    with store.text_writer("products/p.csv") as out:
        out.write("sku_id,name\n")
        out.write("S1,青花瓷茶杯\n")
    store.write_bytes("inventory/i.parquet", b"PAR1\x00\xff")
    assert store.read_bytes("products/p.csv") == "sku_id,name\nS1,青花瓷茶杯\n".encode()
    assert store.read_bytes("inventory/i.parquet") == b"PAR1\x00\xff"


def test_a_failed_write_leaves_nothing_behind(root):
    store = storage.at(root)
    with pytest.raises(RuntimeError), store.writer("orders/2026-11-20/orders-1.jsonl") as out:
        out.write(b"half a file")
        raise RuntimeError("the generator died")
    assert not store.exists("orders/2026-11-20/orders-1.jsonl")
    assert store.glob("orders/*/*") == []


def test_markers_are_touched_overwritten_and_deleted(root):
    store = storage.at(root)
    store.touch("_arrivals/orders")
    assert store.exists("_arrivals/orders") and store.read_bytes("_arrivals/orders") == b""
    store.write_text("_arrivals/orders", "again")
    assert store.read_text("_arrivals/orders") == "again"
    store.delete("_arrivals/orders")
    store.delete("_arrivals/orders")  # already gone: nothing to do
    assert not store.exists("_arrivals/orders")


def test_the_landing_protocol_runs_on_either_backend(root):
    cfg = replace(load_settings("local"), landing_root=root, events={"kind": "directory", "inbox": f"{root}/_arrivals"})
    store = storage.at(root)
    store.write_text("orders/2026-11-21/_READY", "{}")
    store.write_text("orders/2026-11-20/_READY", "{}")
    store.write_text("orders/2026-11-22/orders-1.jsonl", "{}\n")  # still being delivered: no marker yet
    assert ready_deliveries(cfg, "orders") == ["2026-11-20", "2026-11-21"]
    announce_arrival(cfg, "orders")
    assert store.exists("_arrivals/orders")
