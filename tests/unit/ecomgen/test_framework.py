"""What every source's delivery shares: written in its native format, with a truth manifest and identity truth."""

import csv
import json
from datetime import date
from pathlib import Path

from ecomgen import SOURCES, generate, record_hash
from ecomgen.people import HOTLINE
from ecomlake.contracts import Reason

REASONS = {r.value for r in Reason}


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


def test_identity_truth_maps_identifiers_to_people_and_the_hotline_to_nobody(cfg):
    generate(cfg, ["users"], date(2026, 5, 1), 1, 3, 0.001)
    with (Path(cfg.truth_root) / "identity.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    people_of: dict[str, set[str]] = {}
    for row in rows:
        people_of.setdefault(row["identifier"], set()).add(row["person_id"])
    assert people_of[HOTLINE] == {""}
    accounts_per_person: dict[str, int] = {}
    for row in rows:
        if row["identifier_type"] == "user_id":
            accounts_per_person[row["person_id"]] = accounts_per_person.get(row["person_id"], 0) + 1
    assert max(accounts_per_person.values()) == 2  # some people have a second account
    shared = [i for i, p in people_of.items() if len(p) > 1 and i != HOTLINE]
    assert shared, "no family device shared by two people"
