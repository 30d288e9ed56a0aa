"""What every source's delivery shares: written in its native format, with a truth manifest and identity truth."""

import csv
import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from ecomgen import SOURCES, generate, record_hash
from ecomgen.people import (
    CITIES,
    HOTLINE,
    RELATIVES_FROM,
    STATIONS_PER_CITY,
    family_device_of,
    family_email_of,
    owner,
    person,
    station,
)
from ecomlake.contracts import Reason

REASONS = {r.value for r in Reason}


@pytest.fixture
def cfg(cfg, tmp_path):
    """The session's settings with landing and truth of this test's own: its world (another seed, the same
    account ids) must not land in the session's lake, which later tests ingest and score."""
    return replace(cfg, landing_root=str(tmp_path / "landing"), truth_root=str(tmp_path / "truth"))


def test_every_source_is_delivered_with_a_manifest_that_matches_its_files(cfg):
    reports = generate(cfg, list(SOURCES), date(2026, 5, 1), 2, 3, 0.001)
    assert {r.source for r in reports} == set(SOURCES)
    for report in reports:
        folder = Path(cfg.landing_root) / report.source / report.day.isoformat()
        manifest = json.loads((Path(cfg.truth_root) / report.source / report.day.isoformat() / "manifest.json")
                              .read_text())
        assert (folder / "_READY").exists()
        assert sorted(manifest["files"]) == sorted(f"{report.source}/{report.day}/{p.name}" for p in folder.iterdir()
                                                   if not p.name.startswith(("_", ".")))
        for bad in manifest["bad_records"]:
            assert bad["reason"].split(":")[0] in REASONS
        text_bad = [b for b in manifest["bad_records"] if not b["file"].endswith(".parquet")]
        for bad in text_bad[:20]:
            lines = (Path(cfg.landing_root) / bad["file"]).read_text(encoding="utf-8").splitlines()
            assert bad["record_hash"] in {record_hash(line) for line in lines}


def test_identity_truth_lists_each_identifier_once_with_its_person_and_the_shared_ones_with_nobody(cfg):
    generate(cfg, ["users"], date(2026, 5, 1), 1, 3, 0.002)
    with (Path(cfg.truth_root) / "identity.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    person_of = {(r["identifier_type"], r["identifier"]): r["person_id"] for r in rows}
    assert len(person_of) == len(rows), "an identifier listed twice"
    nobody = {i for (t, i), p in person_of.items() if not p}
    stations = {station(3, city, n)[0] for city, _ in CITIES for n in range(STATIONS_PER_CITY)}
    assert nobody == {HOTLINE, *stations}
    accounts = Counter(p for (t, _), p in person_of.items() if t == "user_id")
    assert max(accounts.values()) >= 2  # some people have a second account
    # A person who signed up with a family member's email, or uses their device: listed under the owner.
    number = next(n for n in range(len(accounts)) if owner(n) == n and family_email_of(n) is not None
                  and person(3, family_email_of(n)).email)
    family = person(3, family_email_of(number))
    assert person(3, number).email == family.email and person_of[("email", family.email)] == family.person_id
    device_user = next(n for n in range(len(accounts)) if owner(n) == n and family_device_of(n) is not None)
    device_owner = family_device_of(device_user)
    assert person_of[("device_id", f"D{device_owner:09d}")] == f"P{device_owner:08d}"
    # Relatives without an account appear with their own phone.
    assert any(p >= f"P{RELATIVES_FROM:08d}" for (t, _), p in person_of.items() if t == "phone")


def test_deliveries_written_by_several_processes_are_the_files_one_process_writes(cfg, tmp_path):
    """``ecomgen generate --workers 2`` (a process of its own: forking beside a test session's Spark threads is
    not what the CLI does) against ``generate`` in this process, file by file."""
    generate(cfg, list(SOURCES), date(2026, 5, 1), 2, 3, 0.001)
    var = tmp_path / "var"
    subprocess.run([sys.executable, "-m", "ecomgen.cli", "generate", "--start", "2026-05-01", "--days", "2",
                    "--seed", "3", "--scale", "0.001", "--workers", "2"],
                   check=True, env={**os.environ, "ECOMLAKE_VAR": str(var), "ECOMLAKE_PROFILE": "local"},
                   capture_output=True)

    def files(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*")
                if p.is_file() and "_arrivals" not in p.parts}

    one, several = files(Path(cfg.landing_root)), files(var / "landing")
    assert len(one) > 40 and several == one
    assert files(var / "truth") == files(Path(cfg.truth_root))
