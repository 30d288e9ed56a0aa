"""Secret files: owner-only, created once, never replaced by a second first user."""

import re
import stat

from ecomlake.private_files import secret_once, write_private


def test_a_secret_is_created_once_owner_only(tmp_path):
    path = tmp_path / "secrets" / "key"
    first = secret_once(path)
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret_once(path) == first
    assert [p.name for p in path.parent.iterdir()] == ["key"]  # no candidate file left behind


def test_an_existing_secret_is_kept(tmp_path):
    path = write_private(tmp_path / "key", "chosen-by-the-operator\n")
    assert secret_once(path) == "chosen-by-the-operator"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
