"""``open_export``: an export file lands whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scraper.export_file import open_export


def test_a_failed_export_leaves_the_previous_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "new.jsonl"
    target.write_text("the previous run's export\n", encoding="utf-8")
    with pytest.raises(OSError, match="disk full"), open_export(target) as sink:
        sink.stream.write("half of a record")
        sink.stream.flush()
        assert target.read_text("utf-8") == "the previous run's export\n"  # not yet replaced
        raise OSError(28, "disk full")
    assert target.read_text("utf-8") == "the previous run's export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["new.jsonl"]


def test_a_complete_export_replaces_the_file_with_a_normal_new_one(tmp_path: Path) -> None:
    old_umask = os.umask(0o027)
    try:
        (tmp_path / "plain.txt").write_text("x", encoding="utf-8")
        real = tmp_path / "real.jsonl"
        real.write_text("old\n", encoding="utf-8")
        real.chmod(0o600)
        link = tmp_path / "link.jsonl"
        link.symlink_to(real.name)
        with open_export(link) as sink:
            assert sink.fresh
            sink.stream.write("new\n")
    finally:
        os.umask(old_umask)
    assert link.is_symlink()  # the link still points at the file it named
    assert real.read_text("utf-8") == "new\n"
    assert real.stat().st_mode & 0o777 == (tmp_path / "plain.txt").stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.jsonl", "plain.txt", "real.jsonl"]
